/**
 * The API Gateway account setting (`aws_api_gateway_account`): AWS keeps one
 * per account and region, so two that may share one (by the deployment-target
 * model, across every stack) would overwrite each other at each apply. Pure.
 */
import { DeploymentCheckOptions, DeploymentViolation } from '../deployment-document';
import { DeploymentTarget, PIN_TARGET_FIX, UNKNOWN, describeTarget, mayShareAccountAndRegion } from '../deployment-target';
import { DocumentIndex, ResourceEntry, multiplicityOf, refOf, whereOf } from './model';

export const API_GATEWAY_ACCOUNT_RULE = 'api-gateway-account/once-per-account-and-region';
const FIX =
  'let one stack manage it and turn it off in the others (TapStack manageApiGatewayAccount: false, LambdaRestApi manageAccountLoggingRole: false)';

/** The account and region two targets may share, for the message. */
function shared(a: DeploymentTarget, b: DeploymentTarget): { account: string; region: string } {
  const known = (t: DeploymentTarget) => (t.accounts === UNKNOWN ? [] : t.accounts);
  const account = known(a).find((x) => b.accounts === UNKNOWN || b.accounts.includes(x)) ?? known(b)[0] ?? UNKNOWN;
  return { account, region: a.region !== UNKNOWN ? a.region : b.region };
}

function violation(second: ResourceEntry, first: ResourceEntry): DeploymentViolation {
  const unknown = [first, second].some((e) => e.target.accounts === UNKNOWN || e.target.region === UNKNOWN);
  const self = first === second;
  return {
    ruleId: API_GATEWAY_ACCOUNT_RULE,
    ...refOf(second),
    field: 'cloudwatch_role_arn',
    value: second.config.cloudwatch_role_arn ?? null,
    requirement: self
      ? 'be set once per account and region: its count or for_each makes several, and each apply of one overwrites the others'
      : `be the only API Gateway account setting of ${describeTarget(shared(first.target, second.target))}: ` +
        `'${whereOf(first)}' manages it too, and AWS keeps one per account and region, so each apply would overwrite the other`,
    fix: self ? 'drop count/for_each from aws_api_gateway_account' : unknown ? `${FIX}; or, if they deploy to different accounts, ${PIN_TARGET_FIX}` : FIX,
    ...(self ? {} : { alsoInvolves: [refOf(first)] }),
  };
}

export function checkApiGatewayAccounts(index: DocumentIndex, _options: DeploymentCheckOptions): DeploymentViolation[] {
  const settings = index.ofType('aws_api_gateway_account');
  const violations: DeploymentViolation[] = [];
  settings.forEach((second, i) => {
    const count = multiplicityOf(second);
    if (typeof count === 'number' && count > 1) violations.push(violation(second, second));
    for (const first of settings.slice(0, i)) {
      if (mayShareAccountAndRegion(first.target, second.target)) violations.push(violation(second, first));
    }
  });
  return violations;
}
