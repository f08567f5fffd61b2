import { DataAwsServicequotasServiceQuota } from '@cdktf/provider-aws/lib/data-aws-servicequotas-service-quota';
import { Aspects, IAspect, Precondition, TerraformLocal, TerraformProvider, TerraformResource, TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { resolveForSynth, synthesizedArguments } from './synthesized';
import { GuardValidationError } from './validation';

/** AWS keeps at least this much account concurrency unreserved; a reservation that eats into it fails. */
export const MIN_UNRESERVED_CONCURRENCY = 100;
/** The Lambda concurrency quota of an AWS account (per region) that has never been raised or lowered. */
export const DEFAULT_ACCOUNT_CONCURRENCY_QUOTA = 1000;
/** cdktf context key declaring the account's concurrency quota (a whole number). */
export const ACCOUNT_CONCURRENCY_CONTEXT_KEY = 'accountConcurrencyLimit';
/** cdktf context key switching the plan-time Service Quotas lookup off (`false`). */
export const QUOTA_LOOKUP_CONTEXT_KEY = 'lambdaQuotaLookup';
/** Service Quotas code of "Concurrent executions" (AWS Lambda). */
export const LAMBDA_CONCURRENCY_QUOTA = { serviceCode: 'lambda', quotaCode: 'L-B99A9384' } as const;

const RULE_ID = 'function/unreserved-concurrency';
const GUARD_ID = 'LambdaConcurrencyGuard';
const LAMBDA_FUNCTION_TYPE = 'aws_lambda_function';

/** The stack-wide concurrency settings: the quota reservations are checked against at synth, and the plan-time lookup. */
export interface LambdaConcurrencySettings {
  /**
   * The account's Lambda concurrency quota (Service Quotas > AWS Lambda >
   * Concurrent executions) in every account and region the stack deploys to.
   * Reservations are checked against it at synth.
   * @default the cdktf context value `accountConcurrencyLimit`, else 1000 (the AWS default)
   */
  readonly accountQuota?: number;
  /**
   * Read the applied quota at plan (`data.aws_servicequotas_service_quota`;
   * the deployer needs `servicequotas:GetServiceQuota`) and stop the plan when
   * the stack's reservations leave less than 100 of it unreserved. Turn off
   * where that permission is not granted: the synth-time check against
   * `accountQuota` remains, and reservations known only at deploy time are
   * then checked against `accountQuota` at plan.
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
 * only at deploy time are left to the plan.
 */
export function checkConcurrencyBudget(reservations: readonly ConcurrencyReservation[], quota: number, where = ''): string[] {
  const literal = reservations.filter((r): r is { path: string; reserved: number } => typeof r.reserved === 'number' && r.reserved > 0);
  const total = literal.reduce((sum, r) => sum + r.reserved, 0);
  if (literal.length === 0 || quota - total >= MIN_UNRESERVED_CONCURRENCY) return [];
  const room = quota - MIN_UNRESERVED_CONCURRENCY;
  const verdict =
    room <= 0
      ? `this account's quota (${quota}) leaves no room for reserved concurrency: AWS keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved`
      : `this account's quota (${quota}) leaves room for ${room} reserved once AWS keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved, but ${total} are reserved`;
  return [
    `[${RULE_ID}]${where} ${verdict}. Reserving: ${formatList(literal)} (${total} in total). ` +
      'Fix: remove reservedConcurrency from functions that do not need it or lower it, or raise the quota ' +
      `(Service Quotas, ${LAMBDA_CONCURRENCY_QUOTA.serviceCode}/${LAMBDA_CONCURRENCY_QUOTA.quotaCode}) and declare it ` +
      `with configureLambdaConcurrency(stack, { accountQuota }) or the '${ACCOUNT_CONCURRENCY_CONTEXT_KEY}' cdktf context value.`,
  ];
}

/** The Terraform expression inside `${...}` of a resolved value that is exactly one interpolation. */
function interpolationOf(resolved: string): string | undefined {
  const match = /^\$\{([\s\S]*)\}$/.exec(resolved);
  return match ? match[1] : undefined;
}

/** Escapes literal text for a Terraform string template. */
function templateLiteral(text: string): string {
  return text.replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

interface ReadReservation extends ConcurrencyReservation {
  readonly resource: TerraformResource;
}

interface ProviderGroup {
  /** `aws` for the default provider, else `aws.<alias>`. */
  readonly key: string;
  readonly provider?: TerraformProvider;
  readonly reservations: ReadReservation[];
  readonly problems: string[];
}

/**
 * One per stack: reads `reserved_concurrent_executions` from every
 * `aws_lambda_function` in the final tree (escape hatches and overrides
 * included), groups them by the provider (account and region) each uses,
 * checks each group against the declared quota at synth (a validation), and
 * wires the plan-time check (an aspect adding preconditions).
 */
export class LambdaConcurrencyGuard extends Construct implements IAspect {
  /** The stack's guard, created (and hooked into synth) on first use. */
  public static of(scope: IConstruct): LambdaConcurrencyGuard {
    const stack = TerraformStack.of(scope);
    return (stack.node.tryFindChild(GUARD_ID) as LambdaConcurrencyGuard | undefined) ?? new LambdaConcurrencyGuard(stack);
  }

  private settings: LambdaConcurrencySettings = {};
  private readonly stack: TerraformStack;
  /** The precondition this guard put on each resource, replaced (not added twice) when synth runs again. */
  private readonly added = new Map<TerraformResource, Precondition>();

  private constructor(stack: TerraformStack) {
    super(stack, GUARD_ID);
    this.stack = stack;
    stack.node.addValidation({ validate: () => this.validateStack() });
    Aspects.of(stack).add(this);
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

  /** Every reservation in the stack, by provider. */
  public reservationsByProvider(): ProviderGroup[] {
    const groups = new Map<string, ProviderGroup>();
    for (const resource of this.stack.node.findAll()) {
      if (!TerraformResource.isTerraformResource(resource) || resource.terraformResourceType !== LAMBDA_FUNCTION_TYPE) continue;
      const config = synthesizedArguments(resource) ?? {};
      const key = typeof config.provider === 'string' ? config.provider : 'aws';
      const group = groups.get(key) ?? { key, provider: resource.provider, reservations: [], problems: [] };
      groups.set(key, group);
      const read = this.readReservation(resource, config.reserved_concurrent_executions);
      if (typeof read === 'string') group.problems.push(read);
      else if (read) group.reservations.push(read);
    }
    return [...groups.values()];
  }

  /** The synth-time check: one validation for the whole stack, on the final tree. */
  private validateStack(): string[] {
    const errors: string[] = [];
    const declared = this.declaredQuota();
    const lookup = this.lookUpAppliedQuota();
    if (declared.problem) errors.push(declared.problem);
    if (lookup.problem) errors.push(lookup.problem);
    const groups = this.reservationsByProvider();
    for (const group of groups) {
      errors.push(...group.problems);
      if (declared.quota !== undefined) {
        const where = groups.length > 1 ? ` (provider ${group.key})` : '';
        errors.push(...checkConcurrencyBudget(group.reservations, declared.quota, where));
      }
    }
    return errors;
  }

  /** The plan-time check, wired once the tree is final: a precondition on each reserving function. */
  public visit(node: IConstruct): void {
    if (node !== this.stack) return;
    const lookup = this.lookUpAppliedQuota().on;
    const declared = this.declaredQuota().quota ?? DEFAULT_ACCOUNT_CONCURRENCY_QUOTA;
    for (const group of this.reservationsByProvider()) {
      const reserving = group.reservations.filter((r) => typeof r.reserved !== 'number' || r.reserved > 0);
      const deployTime = reserving.some((r) => typeof r.reserved !== 'number');
      // Without the lookup, literal reservations were fully checked at synth: a precondition would guard nothing.
      if (reserving.length === 0 || (!lookup && !deployTime)) {
        group.reservations.forEach((r) => this.setPrecondition(r.resource, undefined));
        continue;
      }
      const quota = lookup ? this.quotaExpression(group) : String(declared);
      const total = this.totalExpression(group, reserving);
      const precondition: Precondition = {
        condition: `\${${quota} - ${total} >= ${MIN_UNRESERVED_CONCURRENCY}}`,
        errorMessage: this.planMessage(group, reserving, quota, total, lookup),
      };
      group.reservations.forEach((r) => this.setPrecondition(r.resource, reserving.includes(r) ? precondition : undefined));
    }
  }

  private planMessage(group: ProviderGroup, reserving: readonly ConcurrencyReservation[], quota: string, total: string, lookup: boolean): string {
    const where = group.key === 'aws' ? '' : ` (provider ${group.key})`;
    const source = lookup
      ? `the applied quota read from Service Quotas (${LAMBDA_CONCURRENCY_QUOTA.serviceCode}/${LAMBDA_CONCURRENCY_QUOTA.quotaCode})`
      : 'the declared quota';
    const noRoom = `leaves no room for reserved concurrency: AWS keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved`;
    const someRoom = `leaves room for \${${quota} - ${MIN_UNRESERVED_CONCURRENCY}} reserved once AWS keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved, but \${${total}} are reserved`;
    return (
      `${templateLiteral(`${GUARD_ID} at '${this.stack.node.path}'${where}: [${RULE_ID}] `)}` +
      `this account's quota (\${${quota}}) \${${quota} <= ${MIN_UNRESERVED_CONCURRENCY} ? ${JSON.stringify(noRoom)} : "${someRoom}"}. ` +
      `Reserving: ${formatList(reserving.map((r) => ({ ...r, path: templateLiteral(r.path) })))} (\${${total}} in total; quota: ${source}). ` +
      templateLiteral(
        'Fix: remove reservedConcurrency from functions that do not need it or lower it, or request a higher quota in Service Quotas.',
      )
    );
  }

  /** The Terraform expression of the applied quota: one data source per provider. */
  private quotaExpression(group: ProviderGroup): string {
    const id = group.key === 'aws' ? 'Quota' : `Quota_${group.key.replace(/[^A-Za-z0-9]/g, '_')}`;
    const existing = this.node.tryFindChild(id) as DataAwsServicequotasServiceQuota | undefined;
    const data =
      existing ??
      new DataAwsServicequotasServiceQuota(this, id, {
        serviceCode: LAMBDA_CONCURRENCY_QUOTA.serviceCode,
        quotaCode: LAMBDA_CONCURRENCY_QUOTA.quotaCode,
        provider: group.provider,
      });
    // A provider chosen with addOverride('provider', ...) has no construct to pass: read the quota through the same one.
    if (!existing && !group.provider && group.key !== 'aws') data.addOverride('provider', group.key);
    return interpolationOf(this.resolve(data.value) as string) as string;
  }

  /** The total reserved, as a Terraform expression: a number, or a local summing deploy-time values (-1 counts as 0). */
  private totalExpression(group: ProviderGroup, reserving: readonly ConcurrencyReservation[]): string {
    const literal = reserving.reduce((sum, r) => sum + (typeof r.reserved === 'number' ? r.reserved : 0), 0);
    const deployTime = reserving.flatMap((r) => (typeof r.reserved === 'number' ? [] : [`max(${r.reserved.expression}, 0)`]));
    if (deployTime.length === 0) return String(literal);
    const id = group.key === 'aws' ? 'ReservedTotal' : `ReservedTotal_${group.key.replace(/[^A-Za-z0-9]/g, '_')}`;
    const value = `\${${[String(literal), ...deployTime].join(' + ')}}`;
    const local = (this.node.tryFindChild(id) as TerraformLocal | undefined) ?? new TerraformLocal(this, id, value);
    local.expression = value;
    return interpolationOf(this.resolve(local.asNumber) as string) as string;
  }

  private setPrecondition(resource: TerraformResource, precondition: Precondition | undefined): void {
    const previous = this.added.get(resource);
    const others = (resource.lifecycle?.precondition ?? []).filter((p) => p !== previous);
    const next = precondition ? [...others, precondition] : others;
    if (precondition) this.added.set(resource, precondition);
    else this.added.delete(resource);
    if (!previous && !precondition) return;
    resource.lifecycle = { ...resource.lifecycle, precondition: next.length > 0 ? next : undefined };
  }

  /** A reservation, an error message for a value Lambda refuses, or undefined when none is set. */
  private readReservation(resource: TerraformResource, raw: unknown): ReadReservation | string | undefined {
    if (raw === undefined || raw === null) return undefined;
    const path = reservationPath(resource);
    const resolved = this.resolve(raw);
    if (typeof resolved === 'string') {
      const expression = interpolationOf(resolved);
      if (expression !== undefined) return { path, resource, reserved: { expression } };
      if (/^-?[0-9]+$/.test(resolved)) return this.literalReservation(resource, path, Number(resolved));
    }
    if (typeof resolved === 'number') return this.literalReservation(resource, path, resolved);
    return invalidReservation(path, resolved);
  }

  private literalReservation(resource: TerraformResource, path: string, value: number): ReadReservation | string | undefined {
    if (value === -1) return undefined; // Lambda's "no reservation"
    if (!Number.isSafeInteger(value) || value < 0) return invalidReservation(path, value);
    return { path, resource, reserved: value };
  }

  private resolve(value: unknown): unknown {
    return resolveForSynth(this.stack, value);
  }
}

function invalidReservation(path: string, value: unknown): string {
  return (
    `[function/reserved-concurrency] ${path} reserves ${JSON.stringify(value)}, but Lambda takes a whole number of at least 0 ` +
    '(or -1 for no reservation). Fix: give a whole number, or remove the reservation.'
  );
}

/** The path users know: the UnreservedFunction (or other wrapper exposing it as `lambda`) rather than its inner resource. */
function reservationPath(resource: TerraformResource): string {
  const scope: (IConstruct & { lambda?: unknown }) | undefined = resource.node.scope;
  return scope && scope.lambda === resource ? scope.node.path : resource.node.path;
}

/**
 * Declares the Lambda concurrency settings of the stack holding `scope`
 * (validated here) and installs its concurrency guard.
 */
export function configureLambdaConcurrency(scope: IConstruct, settings: LambdaConcurrencySettings = {}): void {
  LambdaConcurrencyGuard.of(scope).configure(settings);
}
