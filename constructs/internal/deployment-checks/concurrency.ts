/**
 * Lambda reserved concurrency, summed per account and region over every stack
 * of the document (the deployment-target model decides which reservations may
 * share one), with `count` and `for_each` multiplying a reservation. Literal
 * totals are checked here against the quota; parts known only at deploy time
 * must be checked by a plan-time precondition, which can sum them within one
 * stack only. Pure.
 */
import { DeploymentCheckOptions, DeploymentViolation, LambdaQuotaSource } from '../deployment-document';
import { PIN_TARGET_FIX, TargetGroup, UNKNOWN, describeTarget, groupByPossibleTarget, mayShareAccountAndRegion } from '../deployment-target';
import { DocumentIndex, Instance, ResourceEntry, literalInteger, preconditionsOf, refOf, resolverFor, whereOf } from './model';
import { LAMBDA_CONCURRENCY_QUOTA, lambdaQuotaSourcesOf } from './quota';
import { hclExpressionOf, isLiteral, segmentsOf, substitute, textOf } from './template';

/** AWS keeps at least this much account concurrency unreserved; a reservation that eats into it fails. */
export const MIN_UNRESERVED_CONCURRENCY = 100;
export const UNRESERVED_RULE = 'function/unreserved-concurrency';
/**
 * Lambda refuses provisioned concurrency (summed over a function's qualifiers) above the function's
 * reserved concurrency, when it has one (PutProvisionedConcurrencyConfig).
 */
export const PROVISIONED_WITHIN_RESERVED = {
  ruleId: 'function/provisioned-within-reserved',
  fits: (reserved: number, provisioned: number) => provisioned <= reserved,
} as const;
const FUNCTION_TYPE = 'aws_lambda_function';

/** What Lambda's API takes: a whole number of at least 0, or -1 for none. */
function validReservation(value: number): boolean {
  return Number.isSafeInteger(value) && value >= -1;
}

/** One function's claim on its account's concurrency, over all its instances. */
export interface Reservation {
  readonly entry: ResourceEntry;
  /** The literal part, over every instance (`count = 3` of 100 is 300). */
  readonly literal: number;
  /** Each instance's literal value, for messages (`3x100`). */
  readonly shown: string;
  /** The Terraform expression of the part known only at deploy time, if any. */
  readonly deployTime?: string;
  /** The provisioned concurrency configs the literal part comes from, when they claim more than the reservation. */
  readonly provisionedBy?: readonly string[];
  /** What the literal part is, for messages: a reservation (the default), provisioned concurrency, or some of each. */
  readonly claim?: ConcurrencyClaim;
}

/** The field a message names for a claim; a total of both kinds names neither attribute. */
const CLAIM_FIELD = {
  reserved: 'reserved_concurrent_executions',
  provisioned: 'provisioned_concurrent_executions',
  both: 'concurrency claimed (reserved and provisioned)',
} as const;
export type ConcurrencyClaim = keyof typeof CLAIM_FIELD;

/** The field of a sum: the attribute its members all claim through, else the neutral label. */
function fieldOf(members: readonly Reservation[]): string {
  const kinds = new Set(members.map((r) => r.claim ?? 'reserved'));
  return kinds.size === 1 ? CLAIM_FIELD[[...kinds][0]] : CLAIM_FIELD.both;
}

type ReadResult = {
  reservation?: Reservation;
  problem?: DeploymentViolation;
  /** Each literal instance's reservation by its suffix (-1: none), when every instance's is literal. */
  byInstance?: ReadonlyMap<string, number>;
};

function invalid(entry: ResourceEntry, value: unknown, requirement: string, fix: string): ReadResult {
  return { problem: { ruleId: 'function/reserved-concurrency', ...refOf(entry), field: 'reserved_concurrent_executions', value, requirement, fix } };
}

const WHOLE_NUMBER =
  'be a whole number of at least 0, or -1 for no reservation, as Lambda takes it';

/** One instance's value: a literal number, a deploy-time expression, or a problem. */
function instanceValue(index: DocumentIndex, entry: ResourceEntry, raw: unknown, instance?: Parameters<typeof resolverFor>[2]): number | { expression: string } | { bad: unknown } {
  if (typeof raw === 'number') return validReservation(raw) ? raw : { bad: raw };
  if (typeof raw !== 'string') return { bad: raw };
  const segments = substitute(segmentsOf(raw), resolverFor(index, entry, instance));
  if (isLiteral(segments)) {
    const value = literalInteger(textOf(segments).trim());
    return value !== undefined && validReservation(value) ? value : { bad: textOf(segments) };
  }
  const expression = segments.length === 1 && 'expression' in segments[0] ? segments[0].expression : `tonumber(${hclExpressionOf(segments)})`;
  return { expression };
}

const PER_INSTANCE = /\b(?:count\.index|each\.(?:key|value))\b/;

/** A function's reservation over its instances, or what is wrong with it; undefined when it reserves nothing. */
function readReservation(index: DocumentIndex, entry: ResourceEntry): ReadResult {
  const raw = entry.config.reserved_concurrent_executions;
  if (raw === undefined || raw === null) return {};
  const perInstance = (expression: string) =>
    invalid(
      entry,
      raw,
      'be the same for every instance, or literal: a value per instance known only at deploy time cannot be summed, at synth or at plan',
      'give a literal reservation (a for_each over a literal map with each.value, or each.value.<attribute> of a map of objects, is read at synth), or one expression for every instance (' + expression + ')',
    );
  if ('deployTime' in entry.instances) {
    const multiplier = `(${entry.instances.deployTime})`;
    const value = instanceValue(index, entry, raw);
    if (typeof value === 'number') {
      return value <= 0 ? {} : { reservation: { entry, literal: 0, shown: `${value} x ${multiplier}`, deployTime: `${value} * ${multiplier}` } };
    }
    if ('bad' in value) return invalid(entry, value.bad, WHOLE_NUMBER, 'give a whole number, or remove the reservation');
    const { expression } = value;
    if (PER_INSTANCE.test(expression)) return perInstance(expression);
    return { reservation: { entry, literal: 0, shown: `\${${expression}} x ${multiplier}`, deployTime: `max(${expression}, 0) * ${multiplier}` } };
  }
  let literal = 0;
  const shownParts: number[] = [];
  const deployTime: string[] = [];
  const byInstance = new Map<string, number>();
  for (const instance of entry.instances) {
    const value = instanceValue(index, entry, raw, instance);
    if (typeof value === 'number') {
      const counted = Math.max(value, 0);
      literal += counted;
      shownParts.push(counted);
      byInstance.set(instance.suffix, value);
      continue;
    }
    if ('bad' in value) return invalid(entry, value.bad, WHOLE_NUMBER, 'give a whole number, or remove the reservation');
    if (PER_INSTANCE.test(value.expression)) return perInstance(value.expression);
    deployTime.push(`max(${value.expression}, 0)`);
  }
  if (literal === 0 && deployTime.length === 0) return { byInstance };
  const same = shownParts.every((v) => v === shownParts[0]);
  const shown =
    deployTime.length > 0
      ? `\${${deployTime[0].replace(/^max\((.*), 0\)$/, '$1')}}${deployTime.length > 1 ? ` x ${deployTime.length}` : ''}`
      : shownParts.length > 1 && same
        ? `${shownParts.length} x ${shownParts[0]}`
        : shownParts.length > 1
          ? shownParts.join(' + ')
          : String(literal);
  const total = deployTime.length > 1 && deployTime.every((d) => d === deployTime[0]) ? [`${deployTime[0]} * ${deployTime.length}`] : deployTime;
  return {
    reservation: { entry, literal, shown, ...(total.length > 0 ? { deployTime: total.join(' + ') } : {}) },
    ...(deployTime.length === 0 ? { byInstance } : {}),
  };
}

export const PROVISIONED_TYPE = 'aws_lambda_provisioned_concurrency_config';

/** One instance of a provisioned concurrency config, on the function instance it configures. */
interface ProvisionedOnFunction {
  readonly config: ResourceEntry;
  /** The function instance's suffix (`[0]`, `["a"]`, '' without count or for_each). */
  readonly suffix: string;
  readonly value: number;
}

/** Provisioned concurrency on functions of the document, and what the document cannot place on one (counted alone). */
interface ProvisionedClaims {
  readonly onFunction: ReadonlyMap<ResourceEntry, readonly ProvisionedOnFunction[]>;
  readonly alone: ReadonlyMap<ResourceEntry, number>;
}

/** The instance a key inside `fn[...]` stands for in one config instance: `0`, `"a"`, `count.index`, `each.key`. */
function suffixOfKey(key: string, instance: Instance): string | undefined {
  const trimmed = key.trim();
  if (/^[0-9]+$/.test(trimmed)) return `[${Number(trimmed)}]`;
  if (/^"(?:[^"\\$%]|\\.)*"$/.test(trimmed)) return `[${JSON.stringify(JSON.parse(trimmed) as string)}]`;
  const bound = instance.bindings.get(trimmed);
  if (typeof bound === 'number') return `[${bound}]`;
  if (typeof bound === 'string') return `[${JSON.stringify(bound)}]`;
  return undefined;
}

/** The literal name a function instance gets, if synth knows it. */
function literalNameOf(index: DocumentIndex, entry: ResourceEntry, instance: Instance): string | undefined {
  const raw = entry.config.function_name;
  if (typeof raw !== 'string') return undefined;
  const segments = substitute(segmentsOf(raw), resolverFor(index, entry, instance));
  return isLiteral(segments) ? textOf(segments) : undefined;
}

const FUNCTION_REFERENCE = /^\$\{aws_lambda_function\.([A-Za-z0-9_-]+)(?:\[([^\]]+)\])?\.(?:function_name|arn|id)\}$/;

/**
 * The function instance one instance of a config names: a reference to a function of its stack
 * (`fn`, `fn[0]`, `fn["a"]`, `fn[count.index]`, `fn[each.key]`, the key taken in the config's own
 * instance), or a function instance of any stack that may share the config's account and region
 * with that literal name (its own stack's first). Undefined when synth cannot tell which one: a
 * function whose instances are known only at deploy time, a key that names no instance of it, a
 * name two stacks' functions may both hold. The config then counts alone, on top of any
 * reservation: over-counting refuses what AWS might accept, but never lets through what it refuses.
 */
function functionInstanceOf(index: DocumentIndex, config: ResourceEntry, instance: Instance): { fn: ResourceEntry; suffix: string } | undefined {
  const raw = config.config.function_name;
  if (typeof raw !== 'string') return undefined;
  const reference = FUNCTION_REFERENCE.exec(raw);
  if (reference) {
    const fn = index.find(config.stack, `${FUNCTION_TYPE}.${reference[1]}`);
    if (!fn || 'deployTime' in fn.instances) return undefined;
    const suffix = reference[2] === undefined ? '' : suffixOfKey(reference[2], instance);
    return suffix !== undefined && fn.instances.some((i) => i.suffix === suffix) ? { fn, suffix } : undefined;
  }
  const segments = substitute(segmentsOf(raw), resolverFor(index, config, instance));
  if (!isLiteral(segments)) return undefined;
  const name = textOf(segments);
  const candidates = index
    .ofType(FUNCTION_TYPE)
    .filter((fn) => !('deployTime' in fn.instances) && mayShareAccountAndRegion(fn.target, config.target))
    .flatMap((fn) => (fn.instances as readonly Instance[]).filter((i) => literalNameOf(index, fn, i) === name).map((i) => ({ fn, suffix: i.suffix })));
  const ofStack = candidates.filter((c) => c.fn.stack === config.stack);
  const chosen = ofStack.length > 0 ? ofStack : candidates;
  return chosen.length === 1 ? chosen[0] : undefined;
}

/** Every provisioned concurrency config whose value and multiplicity synth knows (a deploy-time one is not counted), per instance. */
function provisionedClaims(index: DocumentIndex): ProvisionedClaims {
  const onFunction = new Map<ResourceEntry, ProvisionedOnFunction[]>();
  const alone = new Map<ResourceEntry, number>();
  for (const config of index.ofType(PROVISIONED_TYPE)) {
    const value = literalInteger(config.config.provisioned_concurrent_executions);
    if (value === undefined || value <= 0 || 'deployTime' in config.instances) continue;
    for (const instance of config.instances) {
      const target = functionInstanceOf(index, config, instance);
      if (!target) {
        alone.set(config, (alone.get(config) ?? 0) + value);
        continue;
      }
      onFunction.set(target.fn, [...(onFunction.get(target.fn) ?? []), { config, suffix: target.suffix, value }]);
    }
  }
  return { onFunction, alone };
}

/** `aws_lambda_provisioned_concurrency_config.Pc=400, …`, summed per config; another stack's with its stack. */
function configsShown(fn: ResourceEntry, claims: readonly ProvisionedOnFunction[]): { shown: string; addresses: string[] } {
  const totals = new Map<string, number>();
  for (const c of claims) {
    const label = c.config.stack === fn.stack ? c.config.address : `${c.config.stack}/${c.config.address}`;
    totals.set(label, (totals.get(label) ?? 0) + c.value);
  }
  return { shown: [...totals].map(([label, total]) => `${label}=${total}`).join(', '), addresses: [...totals.keys()] };
}

/** The violation of {@link PROVISIONED_WITHIN_RESERVED} on one function instance, at its first config. */
function provisionedOverReserved(fn: ResourceEntry, suffix: string, reserved: number, configs: readonly ProvisionedOnFunction[]): DeploymentViolation {
  const provisioned = configs.reduce((sum, c) => sum + c.value, 0);
  const { shown, addresses } = configsShown(fn, configs);
  const [first, ...others] = [...new Set(configs.map((c) => c.config))];
  return {
    ruleId: PROVISIONED_WITHIN_RESERVED.ruleId,
    ...refOf(first),
    field: 'provisioned_concurrent_executions',
    value: provisioned,
    requirement:
      `be at most the reserved concurrency of ${whereOf(fn)}${suffix} (${reserved}), summed over its qualifiers: ` +
      `Lambda refuses provisioned concurrency above a function's reservation at apply (${shown})`,
    fix: `lower provisioned_concurrent_executions of ${addresses.join(', ')} to ${reserved} in total, or raise reserved_concurrent_executions of ${fn.address} to at least ${provisioned} (or remove it)`,
    alsoInvolves: [refOf(fn), ...others.map(refOf)],
  };
}

/**
 * Every reservation of the document, and the reservations Lambda would refuse. Provisioned concurrency
 * also comes out of the unreserved pool: each function instance counts the larger of its literal
 * reservation and the provisioned concurrency of its configs (over its qualifiers), and a config synth
 * cannot place on a function instance of the document counts alone.
 */
export function reservationsOf(index: DocumentIndex): { reservations: Reservation[]; problems: DeploymentViolation[] } {
  const reservations: Reservation[] = [];
  const problems: DeploymentViolation[] = [];
  const claims = provisionedClaims(index);
  for (const entry of index.ofType(FUNCTION_TYPE)) {
    const { reservation, problem, byInstance } = readReservation(index, entry);
    if (problem) problems.push(problem);
    const onFunction = claims.onFunction.get(entry) ?? [];
    // A deploy-time reservation is checked at plan without its provisioned concurrency (docs/guards.md, "What is not seen").
    if (onFunction.length === 0 || reservation?.deployTime !== undefined || 'deployTime' in entry.instances) {
      if (reservation) reservations.push(reservation);
      continue;
    }
    const provisionedOf = (suffix: string) => onFunction.filter((c) => c.suffix === suffix).reduce((sum, c) => sum + c.value, 0);
    for (const instance of entry.instances) {
      const reserved = byInstance?.get(instance.suffix);
      const provisioned = provisionedOf(instance.suffix);
      if (reserved === undefined || reserved < 0 || PROVISIONED_WITHIN_RESERVED.fits(reserved, provisioned)) continue;
      problems.push(provisionedOverReserved(entry, instance.suffix, reserved, onFunction.filter((c) => c.suffix === instance.suffix)));
    }
    const literal = entry.instances.reduce((sum, i) => sum + Math.max(byInstance?.get(i.suffix) ?? 0, 0, provisionedOf(i.suffix)), 0);
    if (literal <= (reservation?.literal ?? 0)) {
      if (reservation) reservations.push(reservation);
      continue;
    }
    const { shown, addresses } = configsShown(entry, onFunction);
    const provisionedEverywhere = entry.instances.every((i) => Math.max(byInstance?.get(i.suffix) ?? 0, 0) <= provisionedOf(i.suffix));
    reservations.push({
      entry,
      literal,
      shown: reservation && !provisionedEverywhere
        ? `${literal} reserved or provisioned, the larger per instance (reserved ${reservation.shown}; provisioned ${shown})`
        : `${literal} provisioned (${shown})`,
      provisionedBy: addresses,
      claim: reservation && !provisionedEverywhere ? 'both' : 'provisioned',
    });
  }
  for (const [config, total] of claims.alone) {
    reservations.push({ entry: config, literal: total, shown: `${total} provisioned`, provisionedBy: [config.address], claim: 'provisioned' });
  }
  return { reservations, problems };
}

/** The reservations that may share one account and region, grouped by the deployment-target model. */
function reservationGroups(reservations: readonly Reservation[]): TargetGroup<Reservation>[] {
  return groupByPossibleTarget(reservations, (r) => r.entry.target);
}

/** The quota a group is checked against: the smallest any of its members' provider configurations has. */
function quotaOfGroup(group: TargetGroup<Reservation>, sources: readonly LambdaQuotaSource[]): LambdaQuotaSource {
  const ofMember = (r: Reservation) => sources.find((s) => s.stack === r.entry.stack && s.provider === r.entry.target.provider);
  const candidates = group.members.map(ofMember).filter((s): s is LambdaQuotaSource => s !== undefined);
  return candidates.reduce((least, s) => (s.quota < least.quota ? s : least), candidates[0]);
}

/** "this account's quota (250) leaves room for 150 reserved once AWS keeps 100 unreserved, but 175 are reserved". */
export function budgetVerdict(quota: number, total: number): string {
  const room = quota - MIN_UNRESERVED_CONCURRENCY;
  return room <= 0
    ? `this account's quota (${quota}) leaves no room for reserved concurrency: AWS keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved`
    : `this account's quota (${quota}) leaves room for ${room} reserved once AWS keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved, but ${total} are reserved`;
}

const RESERVATION_FIX =
  'remove reservedConcurrency from functions that do not need it or lower it, or raise the quota ' +
  `(Service Quotas, ${LAMBDA_CONCURRENCY_QUOTA.serviceCode}/${LAMBDA_CONCURRENCY_QUOTA.quotaCode}) and declare it ` +
  "(configureLambdaConcurrency(stack, { accountQuota }), TapStack's lambdaConcurrency, the 'accountConcurrencyLimit' context, " +
  'or guard-check --lambda-concurrency-quota)';

const SOURCE_TEXT: Record<LambdaQuotaSource['source'], string> = {
  option: 'given to the check',
  plan: 'read at plan from Service Quotas',
  declared: 'declared by stack',
  assumed: 'the AWS default, assumed as no quota is declared for stack',
};

export function listOf(members: readonly Reservation[]): string {
  return members.map((r) => `${whereOf(r.entry)}=${r.shown}`).join(', ');
}

function sortedMembers(group: TargetGroup<Reservation>): Reservation[] {
  // Stacks in document order, resources in their stack's order: the order a reader wrote them in.
  return [...group.members];
}

function unknownIn(group: TargetGroup<Reservation>): boolean {
  return group.account === UNKNOWN || group.region === UNKNOWN;
}

function groupViolation(group: TargetGroup<Reservation>, ruleId: string, value: unknown, requirement: string, fix: string): DeploymentViolation {
  const [first, ...others] = sortedMembers(group);
  const stacks = new Set(group.members.map((m) => m.entry.stack));
  // Unpinned providers put stacks (or aliases) together: say how to tell them apart.
  const pin = unknownIn(group) && (stacks.size > 1 || new Set(group.members.map((m) => m.entry.target.provider)).size > 1);
  return {
    ruleId,
    ...refOf(first.entry),
    field: fieldOf(group.members),
    value,
    requirement,
    fix: pin ? `${fix}; or, if they do not share one, ${PIN_TARGET_FIX}` : fix,
    ...(others.length > 0 ? { alsoInvolves: others.map((o) => refOf(o.entry)) } : {}),
  };
}

/** The sums, per possible account and region, against the quota; and deploy-time parts the plan must check. */
export function checkConcurrency(index: DocumentIndex, options: DeploymentCheckOptions): DeploymentViolation[] {
  const { reservations, problems } = reservationsOf(index);
  const sources = lambdaQuotaSourcesOf(index, options);
  const violations = [...problems];
  for (const group of reservationGroups(reservations)) {
    const members = sortedMembers(group);
    const literal = members.filter((r) => r.literal > 0);
    const total = literal.reduce((sum, r) => sum + r.literal, 0);
    const quota = quotaOfGroup(group, sources);
    const where = describeTarget(group);
    if (literal.length > 0 && quota.quota - total < MIN_UNRESERVED_CONCURRENCY) {
      const source = quota.source === 'declared' || quota.source === 'assumed' ? `${SOURCE_TEXT[quota.source]} ${quota.stack}` : SOURCE_TEXT[quota.source];
      violations.push(
        groupViolation(
          { ...group, members: literal },
          UNRESERVED_RULE,
          total,
          `leave at least ${MIN_UNRESERVED_CONCURRENCY} of the Lambda concurrency quota of ${where} unreserved: ` +
            `${budgetVerdict(quota.quota, total)}. Reserving: ${listOf(literal)} (${total} in total; quota: ${source})`,
          literal.some((r) => r.provisionedBy)
            ? `${RESERVATION_FIX}; provisioned concurrency is taken from the same pool: lower provisioned_concurrent_executions of ${literal.flatMap((r) => r.provisionedBy ?? []).join(', ')}`
            : RESERVATION_FIX,
        ),
      );
    }
    const deployTime = members.filter((r) => r.deployTime !== undefined);
    if (deployTime.length === 0) continue;
    if (index.document.valuesResolved) {
      for (const r of deployTime) {
        violations.push({
          ruleId: 'function/reserved-concurrency-known-after-apply',
          ...refOf(r.entry),
          field: 'reserved_concurrent_executions',
          value: r.shown,
          requirement: 'be known at plan, so the reservations of its account and region can be summed before anything is created',
          fix: 'reserve a number known at plan (a variable or a literal), not an attribute of a resource created in the same apply',
        });
      }
      continue;
    }
    const stacks = [...new Set(deployTime.map((r) => r.entry.stack))].sort();
    if (stacks.length > 1) {
      violations.push(
        groupViolation(
          { ...group, members: deployTime },
          'function/deploy-time-concurrency-across-stacks',
          listOf(deployTime),
          `be summed with the other reservations of ${where}, but they are known only at deploy time in ${stacks.length} stacks ` +
            `(${stacks.join(', ')}), and a stack's plan sees only its own`,
          'make all but one stack\'s reservations literal, or deploy those stacks to different accounts or regions',
        ),
      );
      continue;
    }
    for (const r of deployTime) {
      if (preconditionsOf(r.entry.config).some((p) => p.message.includes(`[${UNRESERVED_RULE}]`))) continue;
      violations.push({
        ruleId: 'function/plan-time-check',
        ...refOf(r.entry),
        field: 'reserved_concurrent_executions',
        value: r.shown,
        requirement: `carry a plan-time precondition summing the reservations of ${where} ([${UNRESERVED_RULE}]), since part of it is known only at deploy time`,
        fix: 'install the deployment checks on its stack (installDeploymentChecks(stack), or configureLambdaConcurrency(stack)), which add it, or reserve a literal number',
      });
    }
  }
  return violations;
}

/** What a stack's plan must check for one group: its reserving functions there, the group's literal total (all stacks), its deploy-time parts. */
export interface PlanBudget {
  readonly group: TargetGroup<Reservation>;
  readonly where: string;
  /** This stack's reserving members of the group. */
  readonly members: readonly Reservation[];
  readonly literalTotal: number;
  /** Terraform expressions of this stack's deploy-time parts. */
  readonly deployTime: readonly string[];
  /** Every reserving member of the group, for the message. */
  readonly all: readonly Reservation[];
}

/** The groups a stack's plan-time preconditions check (see concurrency-budget.ts). */
export function planBudgets(index: DocumentIndex, stack: string): PlanBudget[] {
  const { reservations } = reservationsOf(index);
  return reservationGroups(reservations)
    .filter((group) => group.members.some((r) => r.entry.stack === stack))
    .map((group) => {
      const all = sortedMembers(group);
      const members = all.filter((r) => r.entry.stack === stack);
      return {
        group,
        where: describeTarget(group),
        members,
        literalTotal: all.reduce((sum, r) => sum + r.literal, 0),
        deployTime: members.flatMap((r) => (r.deployTime !== undefined ? [r.deployTime] : [])),
        all,
      };
    });
}
