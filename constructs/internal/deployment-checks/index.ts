/**
 * The deployment check: one pure function from the Terraform JSON of every
 * stack of an app (or of a plan) to the ways it breaks the guards' rules. It is
 * what carries the guarantee; the constructs' own checks are early, precise
 * messages. No cdktf here: the same code runs on a synthesized app (installed
 * on the final tree by the guard constructs), on `cdktf.out`, on one
 * `cdk.tf.json` and on `terraform show -json` (the guard-check command).
 */
import { DeploymentCheckOptions, DeploymentDocument, DeploymentViolation } from '../deployment-document';
import { DocumentIndex, whereOf } from './model';

export type { DeploymentCheckOptions, DeploymentDocument, DeploymentViolation, LambdaQuotaSource, StackDocument } from '../deployment-document';
export { DEFAULT_ACCOUNT_CONCURRENCY_QUOTA, LAMBDA_CONCURRENCY_QUOTA, lambdaQuotaSources } from './quota';

/** One check over the whole document. */
export type DeploymentCheck = (index: DocumentIndex, options: DeploymentCheckOptions) => DeploymentViolation[];

const CHECKS: readonly DeploymentCheck[] = [];

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
