/**
 * Physical names, read from the final JSON of every resource of the governed
 * types (constructs, plain provider resources, overrides alike): each is
 * checked against its kind's rule table (name-rule-tables.ts, the one source),
 * and two that would be equal in one namespace are refused. A name with a
 * deploy-time part has its literal parts checked here and must carry a
 * plan-time precondition per rule. Pure.
 */
import { DeploymentCheckOptions, DeploymentViolation, ResourceRef } from '../deployment-document';
import { DeploymentTarget, PIN_TARGET_FIX, UNKNOWN, mayShareAccount, mayShareAccountAndRegion } from '../deployment-target';
import { NAME_KINDS, NameKind, NameRule, TOKEN_PLACEHOLDER, satisfiesConstraint } from '../name-rule-tables';
import { DocumentIndex, Instance, ResourceEntry, preconditionsOf, refOf, resolverFor, whereOf } from './model';
import { Segment, expressionsOf, isLiteral, segmentsOf, substitute, textOf, withInterpolationsAs } from './template';

/** What Terraform appends to a `*_prefix` name to make it unique (provider's id.UniqueIDSuffixLength). */
export const UNIQUE_SUFFIX_LENGTH = 26;
const UNIQUE_SUFFIX_SAMPLE = '0'.repeat(UNIQUE_SUFFIX_LENGTH);

interface NameAttribute {
  readonly attribute: string;
  /** A `*_prefix` argument: Terraform appends a unique suffix. */
  readonly prefix?: boolean;
}

/** The types whose names are validated against their rule table, and the arguments holding the name. */
export const GOVERNED_NAMES: ReadonlyMap<string, { readonly kind: NameKind; readonly attributes: readonly NameAttribute[] }> = new Map([
  [NAME_KINDS.bucket.terraformType, { kind: NAME_KINDS.bucket, attributes: [{ attribute: 'bucket' }, { attribute: 'bucket_prefix', prefix: true }] }],
  [NAME_KINDS.directoryBucket.terraformType, { kind: NAME_KINDS.directoryBucket, attributes: [{ attribute: 'bucket' }] }],
  [NAME_KINDS.function.terraformType, { kind: NAME_KINDS.function, attributes: [{ attribute: 'function_name' }] }],
  [NAME_KINDS.role.terraformType, { kind: NAME_KINDS.role, attributes: [{ attribute: 'name' }, { attribute: 'name_prefix', prefix: true }] }],
  [NAME_KINDS.table.terraformType, { kind: NAME_KINDS.table, attributes: [{ attribute: 'name' }] }],
  [NAME_KINDS.stateMachine.terraformType, { kind: NAME_KINDS.stateMachine, attributes: [{ attribute: 'name' }, { attribute: 'name_prefix', prefix: true }] }],
  [NAME_KINDS.logGroup.terraformType, { kind: NAME_KINDS.logGroup, attributes: [{ attribute: 'name' }, { attribute: 'name_prefix', prefix: true }] }],
  [NAME_KINDS.topic.terraformType, { kind: NAME_KINDS.topic, attributes: [{ attribute: 'name' }, { attribute: 'name_prefix', prefix: true }] }],
]);

/** Kinds compared for collisions only (their tables are this project's conventions, not AWS's rules). */
const COLLISION_ONLY_KINDS: readonly NameKind[] = Object.values(NAME_KINDS).filter(
  (kind: NameKind) => !GOVERNED_NAMES.has(kind.terraformType) && kind.uniqueWithin !== 'none',
);

/** One name argument of one resource (one instance of it, when the multiplicity is literal). */
export interface NameUse {
  readonly entry: ResourceEntry;
  readonly kind: NameKind;
  readonly attribute: string;
  readonly prefix: boolean;
  /** Validate against the kind's rules (false: collisions only). */
  readonly validate: boolean;
  /** The argument as written (a template). */
  readonly raw: string;
  /** The instance, when the multiplicity is literal (count.index, each.* bound). */
  readonly instance?: Instance;
  /** The name as synth knows it: literal parts, and what is left to deploy time. */
  readonly segments: readonly Segment[];
}

/** An SNS FIFO topic's name ends with `.fifo`, which the rules judge without. */
function judgedName(use: Pick<NameUse, 'entry' | 'kind'>, name: string): string {
  const fifo = use.kind === NAME_KINDS.topic && (use.entry.config.fifo_topic === true || use.entry.config.fifo_topic === 'true');
  return fifo && name.endsWith('.fifo') ? name.slice(0, -'.fifo'.length) : name;
}

/** Every name argument of every named resource in the document. */
export function nameUsesOf(index: DocumentIndex): NameUse[] {
  const uses: NameUse[] = [];
  const attributesOf = (type: string): [NameKind, readonly NameAttribute[], boolean] | undefined => {
    const governed = GOVERNED_NAMES.get(type);
    if (governed) return [governed.kind, governed.attributes, true];
    const kind = COLLISION_ONLY_KINDS.find((k) => k.terraformType === type);
    return kind ? [kind, [{ attribute: kind.nameAttribute }], false] : undefined;
  };
  for (const entry of index.resources) {
    const named = attributesOf(entry.type);
    if (!named) continue;
    const [kind, attributes, validate] = named;
    for (const { attribute, prefix = false } of attributes) {
      const given = entry.config[attribute];
      // Terraform turns a number (or a bool) given for a string argument into its text.
      const raw = typeof given === 'number' || typeof given === 'boolean' ? String(given) : given;
      if (typeof raw !== 'string') continue; // no name: Terraform generates a unique one
      const parsed = segmentsOf(raw);
      const instances: readonly (Instance | undefined)[] = 'deployTime' in entry.instances ? [undefined] : entry.instances;
      for (const instance of instances) {
        const segments = substitute(parsed, resolverFor(index, entry, instance));
        uses.push({ entry, kind, attribute, prefix, validate, raw, ...(instance ? { instance } : {}), segments });
      }
    }
  }
  return uses;
}

function ruleViolation(use: NameUse, rule: NameRule, value: string): DeploymentViolation {
  return {
    ruleId: rule.id,
    ...refOf(use.entry),
    field: use.attribute,
    value,
    requirement: use.prefix ? `${rule.requirement} once Terraform appends its ${UNIQUE_SUFFIX_LENGTH}-character unique suffix` : rule.requirement,
    fix: rule.fix,
  };
}

/**
 * True when every rule of the kind has a precondition on the resource that
 * names it and reads the name's expressions (`ignore`: preconditions not to count).
 */
export function namePreconditionsCover(entry: ResourceEntry, raw: string, rules: readonly NameRule[], ignore: (message: string) => boolean = () => false): boolean {
  const expressions = expressionsOf(segmentsOf(raw));
  const preconditions = preconditionsOf(entry.config).filter((p) => !ignore(p.message));
  return rules.every((rule) =>
    preconditions.some((p) => p.message.includes(`[${rule.id}]`) && expressions.every((expression) => p.condition.includes(expression))),
  );
}

function checkRulesOf(use: NameUse, options: { valuesResolved: boolean }): DeploymentViolation[] {
  if (!use.validate) return [];
  const rules = use.kind.rules;
  const suffix = use.prefix ? UNIQUE_SUFFIX_SAMPLE : '';
  if (isLiteral(use.segments)) {
    const name = textOf(use.segments);
    const judged = judgedName(use, name) + suffix;
    return rules.filter((rule) => !satisfiesConstraint(judged, rule.constraint)).map((rule) => ruleViolation(use, rule, name));
  }
  const shown = textOf(use.segments);
  const sample = judgedName(use, withInterpolationsAs(use.segments, TOKEN_PLACEHOLDER)) + suffix;
  const violations = rules
    .filter((rule) => (rule.checkableWhenPartial ?? true) && !satisfiesConstraint(sample, rule.constraint))
    .map((rule) => ruleViolation(use, rule, shown));
  if (options.valuesResolved) {
    violations.push({
      ruleId: 'name/known-after-apply',
      ...refOf(use.entry),
      field: use.attribute,
      value: shown,
      requirement: 'be known at plan, so its rules can be checked before anything is created',
      fix: 'build the name from values known at plan (variables, literals), not from attributes of resources created in the same apply',
    });
  } else if (!namePreconditionsCover(use.entry, use.raw, rules)) {
    violations.push({
      ruleId: 'name/plan-time-check',
      ...refOf(use.entry),
      field: use.attribute,
      value: shown,
      requirement: `carry a plan-time precondition for each of its rules (${rules.map((r) => r.id).join(', ')}), since part of it is known only at deploy time`,
      fix: 'install the deployment checks on its stack (installDeploymentChecks(stack); every guard construct does), which add them, and do not override lifecycle.precondition',
    });
  }
  return violations;
}

/**
 * Each validated name argument of a stack, once, and whether it has a part
 * known only at deploy time (which then needs plan-time preconditions: what
 * the final-tree hook adds).
 */
export function stackNames(index: DocumentIndex, stack: string): { use: NameUse; deployTime: boolean }[] {
  const byArgument = new Map<string, { use: NameUse; deployTime: boolean }>();
  for (const use of nameUsesOf(index)) {
    if (use.entry.stack !== stack || !use.validate) continue;
    const key = `${use.entry.address}\u0000${use.attribute}`;
    const deployTime = !isLiteral(use.segments) || (byArgument.get(key)?.deployTime ?? false);
    byArgument.set(key, { use: byArgument.get(key)?.use ?? use, deployTime });
  }
  return [...byArgument.values()];
}

// ---------------------------------------------------------------------------
// Collisions
// ---------------------------------------------------------------------------

const ACCOUNT_OF = /^data\.aws_caller_identity\.[A-Za-z0-9_-]+\.account_id$/;
const REGION_OF = /^data\.aws_region\.[A-Za-z0-9_-]+\.(?:name|region|id)$/;

interface Comparable {
  readonly use: NameUse;
  /** Lowercase text; `{account}`/`{region}` for the deploying account and region, `${...}` for other deploy-time parts. */
  readonly key: string;
  readonly hasAccount: boolean;
  readonly hasRegion: boolean;
  readonly otherDeployTime: boolean;
}

function comparableOf(use: NameUse): Comparable {
  let hasAccount = false;
  let hasRegion = false;
  let otherDeployTime = false;
  const key = use.segments
    .map((s) => {
      if ('text' in s) return s.text;
      if (ACCOUNT_OF.test(s.expression)) {
        hasAccount = true;
        return '{account}';
      }
      if (REGION_OF.test(s.expression)) {
        hasRegion = true;
        return '{region}';
      }
      otherDeployTime = true;
      return `\${${s.expression}}`;
    })
    .join('')
    .toLowerCase();
  return { use, key, hasAccount, hasRegion, otherDeployTime };
}

function sharesNamespace(a: Comparable, b: Comparable): boolean {
  const ta: DeploymentTarget = a.use.entry.target;
  const tb: DeploymentTarget = b.use.entry.target;
  const regionsMeet = ta.region === UNKNOWN || tb.region === UNKNOWN || ta.region === tb.region;
  switch (a.use.kind.uniqueWithin) {
    case 'none':
      return false;
    case 'global':
      // Names holding the account or region differ when those differ.
      return (!a.hasAccount || mayShareAccount(ta, tb)) && (!a.hasRegion || regionsMeet);
    case 'account':
      return mayShareAccount(ta, tb) && (!a.hasRegion || regionsMeet);
    case 'account-region':
      return mayShareAccountAndRegion(ta, tb);
  }
}

/** A name with the account or region left to deploy time, as a pattern a literal name may match. */
function patternOf(c: Comparable): RegExp {
  const escaped = c.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const accounts = c.use.entry.target.accounts;
  const account = accounts === UNKNOWN ? '[0-9]{12}' : `(?:${accounts.join('|')})`;
  const region = c.use.entry.target.region === UNKNOWN ? '[a-z]{2}(?:-[a-z]+)+-[0-9]' : c.use.entry.target.region;
  return new RegExp(`^${escaped.replace(/\\\{account\\\}/g, account).replace(/\\\{region\\\}/g, region)}$`);
}

const SCOPE_TEXT: Record<NameKind['uniqueWithin'], string> = {
  global: 'S3 bucket names are global',
  account: 'IAM names are unique per account',
  'account-region': 'names are unique per account and region',
  none: '',
};

function collision(second: Comparable, first: Comparable): DeploymentViolation {
  const { use } = second;
  const firstName = textOf(first.use.segments);
  const secondName = textOf(use.segments);
  const unknownTarget = [first, second].some((c) => c.use.entry.target.accounts === UNKNOWN || c.use.entry.target.region === UNKNOWN);
  if (first.use.entry === use.entry) {
    return {
      ruleId: 'name/unique',
      ...refOf(use.entry),
      field: use.attribute,
      value: secondName,
      requirement: `differ between the instances of this ${use.kind.resource}: its count or for_each makes several, each named "${firstName}"`,
      fix: 'put count.index or each.key into the name, or drop count/for_each',
    };
  }
  return {
    ruleId: 'name/unique',
    ...refOf(use.entry),
    field: use.attribute,
    value: secondName,
    requirement:
      `differ from the name of ${use.kind.resource} '${whereOf(first.use.entry)}', which would also be named "${firstName}"` +
      ` (${SCOPE_TEXT[use.kind.uniqueWithin]}; compared ignoring case, with the providers' literal account and region put in)`,
    fix:
      'rename one of them (construct ids differing only by case or separators derive the same name), give one an explicit name, ' +
      `or deploy them to different accounts or regions${unknownTarget ? ` (${PIN_TARGET_FIX})` : ''}`,
    alsoInvolves: [refOf(first.use.entry)],
  };
}

function collisionsOf(uses: readonly NameUse[]): DeploymentViolation[] {
  const comparables = uses.filter((u) => !u.prefix).map(comparableOf);
  const violations: DeploymentViolation[] = [];
  const reported = new Set<string>();
  const report = (second: Comparable, first: Comparable) => {
    const key = [second.use.entry.stack, second.use.entry.address, first.use.entry.stack, first.use.entry.address, second.key].join('\u0000');
    if (reported.has(key)) return;
    reported.add(key);
    violations.push(collision(second, first));
  };
  const byKey = new Map<string, Comparable[]>();
  for (const c of comparables) {
    const bucket = `${c.use.kind.terraformType}\u0000${c.key}`;
    const seen = byKey.get(bucket) ?? [];
    for (const earlier of seen) {
      const sameResource = earlier.use.entry === c.use.entry;
      // An expression other than the account and region has one value within a stack only; per instance it
      // may differ when it reads count.index or each.* (var.names[count.index]), and is the same when it does not.
      if (c.otherDeployTime && (earlier.use.entry.stack !== c.use.entry.stack || (sameResource && PER_INSTANCE.test(c.use.raw)))) continue;
      if (sameResource || sharesNamespace(c, earlier)) report(c, earlier);
    }
    byKey.set(bucket, [...seen, c]);
  }
  // A name whose account or region is left to deploy time against literal names it may turn into.
  const patterns = comparables.filter((c) => (c.hasAccount || c.hasRegion) && !c.otherDeployTime);
  const literals = comparables.filter((c) => !c.hasAccount && !c.hasRegion && !c.otherDeployTime);
  for (const pattern of patterns) {
    const regex = patternOf(pattern);
    for (const literal of literals) {
      if (literal.use.kind !== pattern.use.kind || !regex.test(literal.key)) continue;
      const literalAsPattern = { ...literal, hasAccount: pattern.hasAccount, hasRegion: pattern.hasRegion };
      if (sharesNamespace(literalAsPattern, pattern)) report(literal, pattern);
    }
  }
  return violations;
}

// ---------------------------------------------------------------------------
// One name for every instance of a deploy-time count or for_each
// ---------------------------------------------------------------------------

/** What makes a name differ between the instances of one resource. */
const PER_INSTANCE = /\b(?:count\.index|each\.(?:key|value))\b/;
export const NAME_UNIQUE_RULE = 'name/unique';

/** A name every instance of a resource shares, whose number of instances is known only at deploy time: more than one collide. */
export interface SharedName {
  readonly use: NameUse;
  /** The Terraform expression of the number of instances. */
  readonly multiplicity: string;
}

/**
 * The names of a stack (or of the document) shared by every instance of a deploy-time `count` or
 * `for_each`: no `count.index` or `each.*` in them. `*_prefix` names are made unique by Terraform.
 */
export function sharedNames(index: DocumentIndex, stack?: string): SharedName[] {
  const seen = new Set<string>();
  return nameUsesOf(index).flatMap((use) => {
    const { entry } = use;
    if (!use.validate || use.prefix || (stack !== undefined && entry.stack !== stack) || !('deployTime' in entry.instances)) return [];
    if (PER_INSTANCE.test(use.raw)) return [];
    const key = `${entry.stack}\u0000${entry.address}\u0000${use.attribute}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ use, multiplicity: entry.instances.deployTime }];
  });
}

/** The plan-time condition that at most one instance shares the name. */
export function sharedNameCondition(shared: SharedName): string {
  return `\${(${shared.multiplicity}) <= 1}`;
}

function sharedNameViolations(index: DocumentIndex): DeploymentViolation[] {
  return sharedNames(index).flatMap(({ use, multiplicity }) => {
    const shown = textOf(use.segments);
    const base = { ...refOf(use.entry), field: use.attribute, value: shown };
    const fix = 'put count.index or each.key into the name, or drop count/for_each';
    if (index.document.valuesResolved) {
      return [
        {
          ruleId: NAME_UNIQUE_RULE,
          ...base,
          requirement: `differ between the instances of this ${use.kind.resource}, whose count or for_each (${multiplicity}) is known only after apply: each would be named "${shown}"`,
          fix,
        },
      ];
    }
    const covered = preconditionsOf(use.entry.config).some((p) => p.message.includes(`[${NAME_UNIQUE_RULE}]`) && p.condition.includes(multiplicity));
    if (covered) return [];
    return [
      {
        ruleId: 'name/plan-time-check',
        ...base,
        requirement:
          `carry a plan-time precondition ([${NAME_UNIQUE_RULE}]) that its count or for_each (${multiplicity}) makes at most one instance, ` +
          `since every instance would be named "${shown}"`,
        fix: `${fix}; or install the deployment checks on its stack (installDeploymentChecks(stack)), which add the precondition`,
      },
    ];
  });
}

/** Names against their rule tables, and collisions per namespace, over the whole document. */
export function checkNames(index: DocumentIndex, _options: DeploymentCheckOptions): DeploymentViolation[] {
  const uses = nameUsesOf(index);
  const seen = new Set<string>();
  const ruleViolations = uses.flatMap((use) => checkRulesOf(use, index.document)).filter((v) => {
    const key = [v.stack, v.address, v.field, v.ruleId, JSON.stringify(v.value)].join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return [...ruleViolations, ...collisionsOf(uses), ...sharedNameViolations(index)];
}

export type { ResourceRef };
