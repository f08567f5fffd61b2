import { DataAwsServicequotasServiceQuota } from '@cdktf/provider-aws/lib/data-aws-servicequotas-service-quota';
import { Lazy, Precondition, TerraformLocal, TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { MIN_UNRESERVED_CONCURRENCY, PlanBudget, UNRESERVED_RULE as RULE_ID, budgetVerdict, listOf, planBudgets, reservationsOf } from './deployment-checks/concurrency';
import { DocumentIndex } from './deployment-checks/model';
import { DEFAULT_ACCOUNT_CONCURRENCY_QUOTA, LAMBDA_CONCURRENCY_QUOTA } from './deployment-checks/quota';
import { setGuardPreconditions, templateLiteral } from './guard-preconditions';
import { GuardValidationError } from './validation';

export { DEFAULT_ACCOUNT_CONCURRENCY_QUOTA, LAMBDA_CONCURRENCY_QUOTA, MIN_UNRESERVED_CONCURRENCY };
/** cdktf context key declaring the account's concurrency quota (a whole number). */
export const ACCOUNT_CONCURRENCY_CONTEXT_KEY = 'accountConcurrencyLimit';
/** cdktf context key switching the plan-time Service Quotas lookup off (`false`). */
export const QUOTA_LOOKUP_CONTEXT_KEY = 'lambdaQuotaLookup';

const GUARD_ID = 'LambdaConcurrencyGuard';

/** The stack-wide concurrency settings: the quota reservations are checked against at synth, and the plan-time lookup. */
export interface LambdaConcurrencySettings {
  /**
   * The account's Lambda concurrency quota (Service Quotas > AWS Lambda >
   * Concurrent executions) in every account and region the stack deploys to.
   * Reservations are checked against it at synth, summed with those of every
   * other stack of the app that may deploy to the same account and region.
   * @default the cdktf context value `accountConcurrencyLimit`, else 1000 (the AWS default)
   */
  readonly accountQuota?: number;
  /**
   * Read the applied quota at plan (`data.aws_servicequotas_service_quota`;
   * the deployer needs `servicequotas:GetServiceQuota`) and stop the plan when
   * the reservations of the account and region leave less than 100 of it
   * unreserved. Turn off where that permission is not granted: the synth-time
   * check against `accountQuota` remains, and reservations known only at deploy
   * time are then checked against `accountQuota` at plan.
   * @default the cdktf context value `lambdaQuotaLookup`, else true
   */
  readonly lookUpAppliedQuota?: boolean;
}

/** A function's claim on its account's concurrency, as read from the synthesized resource. */
export interface ConcurrencyReservation {
  /** Construct path of the function. */
  readonly path: string;
  /** A whole number, or the Terraform expression of a value known only at deploy time. */
  readonly reserved: number | { readonly expression: string };
}

/** A problem with the quota setting: `undefined` when `value` is a valid quota. */
export function quotaSettingProblem(source: string, value: unknown): string | undefined {
  const parsed = parseQuota(value);
  if (parsed !== undefined) return undefined;
  return (
    `[function/concurrency-quota] ${source} is ${typeof value === 'string' ? JSON.stringify(value) : String(value)}, which is not a whole number. ` +
    'Fix: give the quota shown under Service Quotas > AWS Lambda > Concurrent executions, written with digits only (e.g. 1000).'
  );
}

/** A whole, positive number; a string of digits only (context values may be strings). Anything else is undefined. */
export function parseQuota(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value > 0 && !Token.isUnresolved(value) ? value : undefined;
  }
  if (typeof value === 'string' && /^[0-9]{1,15}$/.test(value)) {
    const parsed = Number(value);
    return parsed > 0 ? parsed : undefined;
  }
  return undefined;
}

function parseSwitch(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

function formatList(reservations: readonly ConcurrencyReservation[]): string {
  return reservations
    .map((r) => `${r.path}=${typeof r.reserved === 'number' ? r.reserved : `\${${r.reserved.expression}}`}`)
    .join(', ');
}

/**
 * The synth-time budget rule, pure: the literal reservations of one account
 * and region must leave at least 100 of `quota` unreserved. Reservations known
 * only at deploy time are left to the plan. (The deployment check applies it
 * to every account and region of an app: see deployment-checks/concurrency.ts.)
 */
export function checkConcurrencyBudget(reservations: readonly ConcurrencyReservation[], quota: number, where = ''): string[] {
  const literal = reservations.filter((r): r is { path: string; reserved: number } => typeof r.reserved === 'number' && r.reserved > 0);
  const total = literal.reduce((sum, r) => sum + r.reserved, 0);
  if (literal.length === 0 || quota - total >= MIN_UNRESERVED_CONCURRENCY) return [];
  return [
    `[${RULE_ID}]${where} ${budgetVerdict(quota, total)}. Reserving: ${formatList(literal)} (${total} in total). ` +
      'Fix: remove reservedConcurrency from functions that do not need it or lower it, or raise the quota ' +
      `(Service Quotas, ${LAMBDA_CONCURRENCY_QUOTA.serviceCode}/${LAMBDA_CONCURRENCY_QUOTA.quotaCode}) and declare it ` +
      `with configureLambdaConcurrency(stack, { accountQuota }) or the '${ACCOUNT_CONCURRENCY_CONTEXT_KEY}' cdktf context value.`,
  ];
}

/**
 * One per stack: holds the stack's concurrency settings (validated), records
 * the declared quota in the stack's JSON (`"//".guards.lambdaConcurrencyQuota`,
 * which the deployment check reads), and writes the plan-time check: a
 * precondition on each reserving function that the quota, read at plan, less
 * every reservation of its account and region (other stacks' literal ones
 * included, multiplied by count and for_each) leaves 100 unreserved. The
 * synth-time sums are the deployment check's (installDeploymentChecks).
 */
export class LambdaConcurrencyGuard extends Construct {
  /** The stack's guard, created on first use. */
  public static of(scope: IConstruct): LambdaConcurrencyGuard {
    const stack = TerraformStack.of(scope);
    return (stack.node.tryFindChild(GUARD_ID) as LambdaConcurrencyGuard | undefined) ?? new LambdaConcurrencyGuard(stack);
  }

  private settings: LambdaConcurrencySettings = {};
  private readonly stack: TerraformStack;

  private constructor(stack: TerraformStack) {
    super(stack, GUARD_ID);
    this.stack = stack;
    stack.node.addValidation({ validate: () => this.settingProblems() });
    stack.addOverride('//.guards.lambdaConcurrencyQuota', Lazy.anyValue({ produce: () => this.explicitQuota() }));
  }

  /** Sets the stack's settings; they are validated here and win over context values. */
  public configure(settings: LambdaConcurrencySettings): void {
    if (settings.accountQuota !== undefined && parseQuota(settings.accountQuota) === undefined) {
      throw new GuardValidationError('configureLambdaConcurrency', this.stack.node.path, [
        {
          ruleId: 'function/concurrency-quota',
          field: 'accountQuota',
          value: settings.accountQuota,
          requirement: 'be a whole number of at least 1',
          fix: 'give the quota shown under Service Quotas > AWS Lambda > Concurrent executions (e.g. 1000)',
        },
      ]);
    }
    this.settings = { ...this.settings, ...settings };
  }

  /** The quota reservations are checked against at synth, or a problem with its setting. */
  public declaredQuota(): { quota: number; problem?: undefined } | { quota?: undefined; problem: string } {
    if (this.settings.accountQuota !== undefined) return { quota: this.settings.accountQuota };
    const fromContext: unknown = this.stack.node.tryGetContext(ACCOUNT_CONCURRENCY_CONTEXT_KEY);
    if (fromContext === undefined) return { quota: DEFAULT_ACCOUNT_CONCURRENCY_QUOTA };
    const quota = parseQuota(fromContext);
    return quota === undefined
      ? { problem: quotaSettingProblem(`the cdktf context value '${ACCOUNT_CONCURRENCY_CONTEXT_KEY}'`, fromContext) as string }
      : { quota };
  }

  /** The quota declared by a setting or the context (none: the deployment check assumes the AWS default). */
  private explicitQuota(): number | undefined {
    const declared = this.settings.accountQuota !== undefined || this.stack.node.tryGetContext(ACCOUNT_CONCURRENCY_CONTEXT_KEY) !== undefined;
    return declared ? this.declaredQuota().quota : undefined;
  }

  /** Whether the applied quota is read at plan, or a problem with its setting. */
  public lookUpAppliedQuota(): { on: boolean; problem?: string } {
    if (this.settings.lookUpAppliedQuota !== undefined) return { on: this.settings.lookUpAppliedQuota };
    const fromContext: unknown = this.stack.node.tryGetContext(QUOTA_LOOKUP_CONTEXT_KEY);
    if (fromContext === undefined) return { on: true };
    const on = parseSwitch(fromContext);
    return on === undefined
      ? {
          on: true,
          problem:
            `[function/concurrency-quota-lookup] the cdktf context value '${QUOTA_LOOKUP_CONTEXT_KEY}' is ${JSON.stringify(fromContext)}, ` +
            'which is neither true nor false. Fix: set it to false to turn the plan-time quota lookup off, or remove it.',
        }
      : { on };
  }

  /** The settings' problems, reported at synth (the sums themselves are the deployment check's). */
  private settingProblems(): string[] {
    return [this.declaredQuota().problem, this.lookUpAppliedQuota().problem].filter((p): p is string => p !== undefined);
  }

  /**
   * Writes the plan-time check of this stack's reservations, given the
   * document of the whole app (run on the final tree, by the deployment checks'
   * aspect): a precondition per reserving function and per account and region
   * it may deploy to; replaced, not added twice, when synth runs again.
   */
  public addPlanChecks(index: DocumentIndex): void {
    const lookup = this.lookUpAppliedQuota().on;
    const declared = this.declaredQuota().quota ?? DEFAULT_ACCOUNT_CONCURRENCY_QUOTA;
    const stackName = this.stack.node.path;
    const budgets = planBudgets(index, stackName).filter((b) => b.members.length > 0 && (lookup || b.deployTime.length > 0));
    const byAddress = new Map<string, Precondition[]>();
    budgets.forEach((budget) => {
      const total = this.totalExpression(budget, budgets.length > 1);
      for (const member of budget.members) {
        const quota = lookup ? this.quotaExpression(member.entry.target.provider) : String(declared);
        const list = byAddress.get(member.entry.address) ?? [];
        list.push({
          condition: `\${${quota} - ${total} >= ${MIN_UNRESERVED_CONCURRENCY}}`,
          errorMessage: this.planMessage(budget, quota, total, lookup),
        });
        byAddress.set(member.entry.address, list);
      }
    });
    for (const { entry } of reservationsOf(index).reservations.filter((r) => r.entry.stack === stackName)) {
      setGuardPreconditions(this.stack, entry.address, RULE_ID, byAddress.get(entry.address) ?? [], entry.config);
    }
  }

  private planMessage(budget: PlanBudget, quota: string, total: string, lookup: boolean): string {
    const source = lookup
      ? `the applied quota read from Service Quotas (${LAMBDA_CONCURRENCY_QUOTA.serviceCode}/${LAMBDA_CONCURRENCY_QUOTA.quotaCode})`
      : 'the declared quota';
    const noRoom = `leaves no room for reserved concurrency: AWS keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved`;
    const someRoom = `leaves room for \${${quota} - ${MIN_UNRESERVED_CONCURRENCY}} reserved once AWS keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved, but \${${total}} are reserved`;
    return (
      `${templateLiteral(`${GUARD_ID} at '${this.stack.node.path}': [${RULE_ID}] `)}` +
      `this account's quota (\${${quota}}) \${${quota} <= ${MIN_UNRESERVED_CONCURRENCY} ? ${JSON.stringify(noRoom)} : "${someRoom}"}. ` +
      `${templateLiteral(`Reserving in ${budget.where}: ${listOf(budget.all)}`)} (\${${total}} in total; quota: ${source}). ` +
      templateLiteral(
        'Fix: remove reservedConcurrency from functions that do not need it or lower it, or request a higher quota in Service Quotas.',
      )
    );
  }

  /** The Terraform expression of the applied quota: one data source per provider configuration. */
  private quotaExpression(provider: string): string {
    const id = provider === 'aws' ? 'Quota' : `Quota_${provider.replace(/[^A-Za-z0-9]/g, '_')}`;
    let data = this.node.tryFindChild(id) as DataAwsServicequotasServiceQuota | undefined;
    if (!data) {
      data = new DataAwsServicequotasServiceQuota(this, id, {
        serviceCode: LAMBDA_CONCURRENCY_QUOTA.serviceCode,
        quotaCode: LAMBDA_CONCURRENCY_QUOTA.quotaCode,
      });
      if (provider !== 'aws') data.addOverride('provider', provider);
    }
    // The reference written out (resolving the token costs about as much as a whole resource).
    return `data.${data.terraformResourceType}.${data.friendlyUniqueId}.value`;
  }

  /** The total reserved, as a Terraform expression: a number, or a local summing deploy-time values (-1 counts as 0). */
  private totalExpression(budget: PlanBudget, several: boolean): string {
    if (budget.deployTime.length === 0) return String(budget.literalTotal);
    const suffix = several ? `_${`${budget.group.account}_${budget.group.region}`.replace(/[^A-Za-z0-9]/g, '_')}` : '';
    const id = `ReservedTotal${suffix}`;
    const value = `\${${[String(budget.literalTotal), ...budget.deployTime].join(' + ')}}`;
    const local = (this.node.tryFindChild(id) as TerraformLocal | undefined) ?? new TerraformLocal(this, id, value);
    local.expression = value;
    return `local.${local.friendlyUniqueId}`;
  }
}
