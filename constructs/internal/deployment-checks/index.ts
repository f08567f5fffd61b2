/**
 * The deployment check: one pure function from the Terraform JSON of every
 * stack of an app (or of a plan) to the ways it breaks the guards' rules. It is
 * what carries the guarantee; the constructs' own checks are early, precise
 * messages. No cdktf here: the same code runs on a synthesized app (installed
 * on the final tree by the guard constructs), on `cdktf.out`, on one
 * `cdk.tf.json` and on `terraform show -json` (the guard-check command).
 */
import { DeploymentCheckOptions, DeploymentDocument, DeploymentViolation } from '../deployment-document';
import { NAME_KINDS, NameKind } from '../name-rule-tables';
import { checkApiGatewayAccounts } from './api-gateway-account';
import { checkConcurrency } from './concurrency';
import { DocumentIndex, whereOf } from './model';
import { checkNames } from './names';
import { checkStateMachineRoles } from './state-machine-roles';
import { checkTables } from './tables';

export type { DeploymentCheckOptions, DeploymentDocument, DeploymentViolation, LambdaQuotaSource, StackDocument } from '../deployment-document';
export { DEFAULT_ACCOUNT_CONCURRENCY_QUOTA, LAMBDA_CONCURRENCY_QUOTA, lambdaQuotaSources } from './quota';

/**
 * The resource and data source types the checks read: a builder of the
 * document may leave every other type out (the cdktf hook does, to keep synth
 * fast). Add a type here when a check starts reading it.
 */
export const TYPES_READ: { readonly resource: ReadonlySet<string>; readonly data: ReadonlySet<string> } = {
  resource: new Set([
    ...Object.values(NAME_KINDS).map((kind: NameKind) => kind.terraformType),
    'aws_lambda_function',
    'aws_lambda_provisioned_concurrency_config',
    'aws_sfn_state_machine',
    'aws_dynamodb_table',
    'aws_api_gateway_account',
    'aws_iam_role',
    'aws_iam_role_policy',
    'aws_iam_role_policy_attachment',
    'aws_iam_policy_attachment',
    'aws_iam_policy',
    'aws_iam_role_policies_exclusive',
    'aws_iam_role_policy_attachments_exclusive',
  ]),
  data: new Set(['aws_iam_policy_document', 'aws_caller_identity', 'aws_region', 'aws_servicequotas_service_quota']),
};

/** One check over the whole document. */
export type DeploymentCheck = (index: DocumentIndex, options: DeploymentCheckOptions) => DeploymentViolation[];

const CHECKS: readonly DeploymentCheck[] = [checkNames, checkConcurrency, checkStateMachineRoles, checkTables, checkApiGatewayAccounts];

/**
 * Every way `document` breaks a rule, sorted by stack and address. Pure and
 * deterministic. `options.lambdaConcurrencyQuota` overrides any quota the
 * document declares (see {@link lambdaQuotaSources}).
 */
export function checkDeployment(document: DeploymentDocument, options: DeploymentCheckOptions = {}): DeploymentViolation[] {
  const index = new DocumentIndex(document);
  const violations = CHECKS.flatMap((check) => check(index, options));
  return violations.sort((a, b) => a.stack.localeCompare(b.stack) || a.address.localeCompare(b.address) || a.ruleId.localeCompare(b.ruleId));
}

function formatValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
}

/** One line per violation: where (construct path, or stack and address), the rule, the value and the fix. */
export function formatDeploymentViolation(v: DeploymentViolation): string {
  const where = v.constructPath ? `${v.constructPath} (${v.address})` : `${v.stack}/${v.address}`;
  return `[${v.ruleId}] ${where}: ${v.field} ${formatValue(v.value)} must ${v.requirement}. Fix: ${v.fix}`;
}

export { whereOf };
