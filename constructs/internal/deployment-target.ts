/**
 * The deployment-target model: for every resource of the Terraform JSON of a
 * stack, the AWS account and region it deploys to, worked out from what the
 * JSON says and nothing else (so it holds for cdktf stacks, escape hatches,
 * `cdk.tf.json` files and the configuration of a Terraform plan alike).
 *
 * A resource deploys through its provider (`provider = "aws.<alias>"`, else the
 * default `aws` provider); the provider states the region (`region`) and pins
 * the account (`allowed_account_ids`, the account in `assume_role.role_arn`).
 * Whatever is not a literal there is *unknown*, a value of its own: synth cannot
 * tell which account or region the credentials of the day will reach.
 *
 * Checks that span resources (reserved concurrency, name collisions, the API
 * Gateway account setting) ask this module whether two resources may share an
 * account and region, and treat "unknown" as "may be the same": the same
 * credentials usually deploy both, and a false alarm costs a line of config
 * (`allowed_account_ids`) where a miss costs a failed deploy.
 *
 * Pure: no cdktf, no constructs, so the same code runs on a synthesized app,
 * on `cdktf.out` and on `terraform show -json`.
 */

/** An account or region synth cannot know: not stated, or stated by a deploy-time value. */
export const UNKNOWN = 'unknown';
export type Unknown = typeof UNKNOWN;

/** Where a resource deploys to. */
export interface DeploymentTarget {
  /**
   * The accounts the provider may deploy to: the literal `allowed_account_ids`
   * (narrowed by a literal `assume_role` ARN's account), or {@link UNKNOWN}.
   * Usually one account; a provider allowing several may deploy to any of them.
   */
  readonly accounts: readonly string[] | Unknown;
  /** The provider's literal `region`, or {@link UNKNOWN} (never a region name). */
  readonly region: string;
  /** The provider configuration the resource uses: `aws`, or `aws.<alias>`. */
  readonly provider: string;
}

/** A JSON object, loosely: the shapes Terraform's JSON syntax allows. */
type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A nested block as Terraform JSON may write it: one object, or a list of
 * objects (cdktf writes single blocks as objects, plans and HCL as lists).
 */
export function blocksOf(value: unknown): JsonObject[] {
  if (Array.isArray(value)) return value.filter(isObject);
  return isObject(value) ? [value] : [];
}

/** A literal string: no interpolation (`${`), no directive (`%{`). */
export function isLiteralText(value: unknown): value is string {
  return typeof value === 'string' && !/[$%]\{/.test(value);
}

/** An AWS account id, as the checks and the plan reader recognise one. */
export const ACCOUNT_ID = /^\d{12}$/;
const ROLE_ARN_ACCOUNT = /^arn:[a-z-]+:iam::(\d{12}):role\//;

/** The 12-digit account id in a literal IAM role ARN, else undefined. */
export function accountOfRoleArn(arn: unknown): string | undefined {
  return isLiteralText(arn) ? ROLE_ARN_ACCOUNT.exec(arn)?.[1] : undefined;
}

/** The provider configuration key (`aws`, `aws.<alias>`) a resource's `provider` argument names. */
export function providerKeyOf(resource: JsonObject, type = 'aws'): string {
  const raw = resource.provider;
  if (typeof raw !== 'string' || raw === '') return type;
  // cdktf writes `aws.alias`; hand-written JSON may write `${aws.alias}`.
  const bare = /^\$\{([^}]*)\}$/.exec(raw)?.[1] ?? raw;
  return bare.trim();
}

/** The target a provider configuration block states. */
export function targetOfProvider(key: string, config: JsonObject | undefined): DeploymentTarget {
  if (!config) return { provider: key, accounts: UNKNOWN, region: UNKNOWN };
  const allowed = config.allowed_account_ids;
  const allowedAccounts =
    Array.isArray(allowed) && allowed.length > 0 && allowed.every((id) => isLiteralText(id) && ACCOUNT_ID.test(id))
      ? [...new Set(allowed as string[])].sort()
      : undefined;
  // Several assume_role blocks are a chain (hashicorp/aws 5.100.0 assumes them in order): it deploys as the last role, so
  // its account, and only a literal one, pins the target; an earlier hop's account says nothing.
  const chain = blocksOf(config.assume_role).filter((block) => block.role_arn !== undefined && block.role_arn !== null && block.role_arn !== '');
  const assumed = chain.length > 0 ? accountOfRoleArn(chain[chain.length - 1].role_arn) : undefined;
  let accounts: readonly string[] | Unknown = UNKNOWN;
  if (allowedAccounts && assumed) {
    // Terraform refuses credentials outside allowed_account_ids: only the overlap can deploy.
    accounts = allowedAccounts.includes(assumed) ? [assumed] : [];
  } else if (allowedAccounts) {
    accounts = allowedAccounts;
  } else if (assumed) {
    accounts = [assumed];
  }
  const region = isLiteralText(config.region) && config.region !== '' ? config.region : UNKNOWN;
  return { provider: key, accounts, region };
}

/** Every AWS provider configuration a stack's JSON declares, by key (`aws`, `aws.<alias>`). */
export function providerTargetsOf(stack: JsonObject): Map<string, DeploymentTarget> {
  const targets = new Map<string, DeploymentTarget>();
  const providers = isObject(stack.provider) ? stack.provider : {};
  for (const config of blocksOf(providers.aws)) {
    const key = isLiteralText(config.alias) && config.alias !== '' ? `aws.${config.alias}` : 'aws';
    targets.set(key, targetOfProvider(key, config));
  }
  return targets;
}

/**
 * The target of one resource (or data source) of a stack: its provider's
 * target. A resource naming a provider the stack does not configure deploys
 * with an empty configuration (Terraform's implied default), so both are unknown.
 */
export function targetOfResource(stack: JsonObject, resource: JsonObject, providers = providerTargetsOf(stack)): DeploymentTarget {
  const key = providerKeyOf(resource);
  return providers.get(key) ?? targetOfProvider(key, undefined);
}

function accountsMayMeet(a: DeploymentTarget['accounts'], b: DeploymentTarget['accounts']): boolean {
  // A provider whose accounts narrowed to none (allowed_account_ids and assume_role disagree) deploys nowhere.
  if ((a !== UNKNOWN && a.length === 0) || (b !== UNKNOWN && b.length === 0)) return false;
  if (a === UNKNOWN || b === UNKNOWN) return true;
  return a.some((account) => b.includes(account));
}

/**
 * Whether two targets may be the same account and region. Unknown meets
 * anything (see the module comment); two literals meet when they are equal.
 */
export function mayShareAccountAndRegion(a: DeploymentTarget, b: DeploymentTarget): boolean {
  const regionsMayMeet = a.region === UNKNOWN || b.region === UNKNOWN || a.region === b.region;
  return regionsMayMeet && accountsMayMeet(a.accounts, b.accounts);
}

/** Whether two targets may share an account (IAM names are per account, in every region). */
export function mayShareAccount(a: DeploymentTarget, b: DeploymentTarget): boolean {
  return accountsMayMeet(a.accounts, b.accounts);
}

/** One account and region that a group of items may all deploy to. */
export interface TargetGroup<T> {
  /** A known account id, or {@link UNKNOWN} for "an account none of the items names". */
  readonly account: string;
  /** A known region, or {@link UNKNOWN} for "a region none of the items names". */
  readonly region: string;
  readonly members: readonly T[];
}

/**
 * The largest groups of items that may land in one account and region: the
 * sets a per-account-and-region limit (reserved concurrency) must be checked
 * on. "May share" is not transitive (an unknown account meets two different
 * known ones, which never meet each other), so instead of chaining pairs, each
 * candidate point (every known account, or an account none names; every known
 * region, or a region none names) collects the items that may deploy there.
 * Groups whose members are a subset of another group's are dropped: a limit
 * that holds on the larger holds on the smaller.
 */
export function groupByPossibleTarget<T>(items: readonly T[], targetOf: (item: T) => DeploymentTarget): TargetGroup<T>[] {
  const targets = items.map(targetOf);
  const knownAccounts = [...new Set(targets.flatMap((t) => (t.accounts === UNKNOWN ? [] : t.accounts)))].sort();
  const knownRegions = [...new Set(targets.flatMap((t) => (t.region === UNKNOWN ? [] : [t.region])))].sort();
  const candidates: { account: string; region: string; members: number[] }[] = [];
  for (const account of [...knownAccounts, UNKNOWN] as const) {
    for (const region of [...knownRegions, UNKNOWN] as const) {
      const members = targets.flatMap((t, index) => {
        const accountFits = t.accounts === UNKNOWN || (account !== UNKNOWN && t.accounts.includes(account));
        const regionFits = t.region === UNKNOWN || t.region === region;
        return accountFits && regionFits ? [index] : [];
      });
      if (members.length > 0) candidates.push({ account, region, members });
    }
  }
  const isSubset = (small: number[], large: number[]): boolean => small.every((m) => large.includes(m));
  const kept = candidates.filter(
    (candidate, index) =>
      !candidates.some(
        (other, otherIndex) =>
          otherIndex !== index &&
          isSubset(candidate.members, other.members) &&
          // Of two groups with the same members, keep the first (known accounts and regions come first).
          (other.members.length > candidate.members.length || otherIndex < index),
      ),
  );
  return kept.map((group) => ({ account: group.account, region: group.region, members: group.members.map((m) => items[m]) }));
}

/** "account 111111111111 in us-east-1", "an unpinned account in us-east-1", ... for messages. */
export function describeTarget(target: Pick<TargetGroup<unknown>, 'account' | 'region'>): string {
  const account = target.account === UNKNOWN ? 'an account no provider pins (allowed_account_ids unset)' : `account ${target.account}`;
  const region = target.region === UNKNOWN ? 'a region no provider states' : target.region;
  return `${account} in ${region}`;
}

/** The fix to print when unknown accounts or regions put resources together that may not share one. */
export const PIN_TARGET_FIX =
  'pin each AWS provider to its account and region with literals (allowed_account_ids = ["123456789012"], region = "eu-west-1") ' +
  'so synth can tell stacks and aliases apart; unpinned ones are assumed to share an account and region';
