import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformElement, TerraformLocal, TerraformProvider, TerraformResource, TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { NAME_KINDS, NameKind, NameScope } from './name-rules';
import { resolvedText, synthesizedArguments } from './synthesized';

/**
 * Physical-name collisions across the whole app, checked on the final
 * construct tree at synth: two resources that would get the same name in the
 * same namespace (S3: global; IAM roles: per account; functions, tables,
 * state machines, log groups, topics: per account and region) make the second
 * `terraform apply` fail, or (SNS) silently share one topic.
 *
 * Names are compared ignoring case: IAM does, S3 names are lowercase, and two
 * names differing only by case are the PK/pk confusion for a reader.
 * Every `aws_*` resource of those types is read, plain provider resources and
 * escape-hatch overrides included, not only the ones the constructs made.
 */

/** A resource's physical name as far as synth can know it. */
export interface PhysicalName {
  readonly path: string;
  readonly kind: NameKind;
  readonly stackPath: string;
  /**
   * The resolved name with the deploying account and region written as
   * `{account}` and `{region}`; other deploy-time values stay as Terraform
   * expressions (`${var.env}`).
   */
  readonly template: string;
  /** The provider's account and region when they are literals; undefined when synth cannot tell. */
  readonly account?: string;
  readonly region?: string;
}

export interface NameCollision {
  readonly first: PhysicalName;
  readonly second: PhysicalName;
}

const ACCOUNT = '{account}';
const REGION = '{region}';

/** Undefined (cannot tell) is treated as "may be the same": the conservative answer. */
function mayBeEqual(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

function sharesNamespace(scope: NameScope, a: PhysicalName, b: PhysicalName): boolean {
  const template = a.template;
  const sameAccount = mayBeEqual(a.account, b.account);
  const sameRegion = mayBeEqual(a.region, b.region);
  switch (scope) {
    case 'none':
      return false;
    case 'global':
      // The names themselves differ when they hold a different account or region.
      return (!template.includes(ACCOUNT) || sameAccount) && (!template.includes(REGION) || sameRegion);
    case 'account':
      return sameAccount && (!template.includes(REGION) || sameRegion);
    case 'account-region':
      return sameAccount && sameRegion;
  }
}

/**
 * The pairs of names that would collide. Pure, so it is tested on its own.
 * A name holding deploy-time values other than the account and region is
 * compared only within its own stack, where the same expression has the same value.
 */
export function findNameCollisions(names: readonly PhysicalName[]): NameCollision[] {
  const collisions: NameCollision[] = [];
  const byKey = new Map<string, PhysicalName[]>();
  for (const name of names) {
    const key = `${name.kind.terraformType}\u0000${name.template.toLowerCase()}`;
    const seen = byKey.get(key) ?? [];
    for (const earlier of seen) {
      const otherTokens = /\$\{/.test(name.template);
      if (otherTokens && earlier.stackPath !== name.stackPath) continue;
      if (sharesNamespace(name.kind.uniqueWithin, earlier, name)) {
        collisions.push({ first: earlier, second: name });
      }
    }
    byKey.set(key, [...seen, name]);
  }
  return collisions;
}

export function formatCollision(collision: NameCollision): string {
  const { first, second } = collision;
  const scope = {
    global: 'S3 bucket names are global',
    account: 'names are unique per account (ignoring case)',
    'account-region': 'names are unique per account and region',
    none: '',
  }[first.kind.uniqueWithin];
  return (
    `[name/unique] ${first.kind.resource} '${first.path}' and '${second.path}' would both be named ` +
    `"${first.template}"${first.template === second.template ? '' : ` / "${second.template}"`} (${scope}; compared ignoring case). ` +
    'Fix: rename one of the constructs (ids differing only by case or separators derive the same name), ' +
    'give one an explicit name, or deploy the stacks to different accounts or regions (a literal provider region or allowed_account_ids tells synth so).'
  );
}

const KINDS_BY_TYPE = new Map<string, NameKind>(Object.values(NAME_KINDS).map((kind) => [kind.terraformType, kind]));

function literal(value: string | undefined): string | undefined {
  return value !== undefined && !Token.isUnresolved(value) ? value : undefined;
}

/** The account and region a resource deploys to, when its provider (else the stack's default AWS provider) states them as literals. */
function providerTarget(resource: TerraformResource, providers: readonly AwsProvider[]): { account?: string; region?: string } {
  const provider: TerraformProvider | undefined = resource.provider ?? providers.find((p) => p.alias === undefined) ?? providers[0];
  if (!(provider instanceof AwsProvider)) return {};
  const allowed = provider.allowedAccountIds;
  const assumedRoleArn = Array.isArray(provider.assumeRole) ? literal(provider.assumeRole[0]?.roleArn) : undefined;
  const account =
    (Array.isArray(allowed) && allowed.length === 1 ? literal(allowed[0]) : undefined) ?? /^arn:[^:]+:iam::(\d{12}):/.exec(assumedRoleArn ?? '')?.[1];
  return { account, region: literal(provider.region) };
}

/** Every named resource of the types in NAME_KINDS, anywhere in the app. */
export function physicalNamesIn(root: IConstruct): PhysicalName[] {
  const names: PhysicalName[] = [];
  const stacks = root.node.findAll().filter((c): c is TerraformStack => TerraformStack.isStack(c));
  for (const stack of stacks) {
    const elements = stack.node.findAll().filter((c): c is TerraformElement => c instanceof TerraformElement && TerraformStack.of(c) === stack);
    const providers = elements.filter((e): e is AwsProvider => e instanceof AwsProvider);
    const locals = new Map<string, string>();
    for (const local of elements.filter((e): e is TerraformLocal => e instanceof TerraformLocal)) {
      const synthesized = local.toTerraform() as { locals: Record<string, unknown> };
      locals.set(local.friendlyUniqueId, resolvedText(stack, synthesized.locals[local.friendlyUniqueId]));
    }
    for (const resource of elements.filter((e): e is TerraformResource => TerraformResource.isTerraformResource(e))) {
      const kind = KINDS_BY_TYPE.get(resource.terraformResourceType);
      if (!kind) continue;
      const raw = synthesizedArguments(resource)?.[kind.nameAttribute];
      if (raw === undefined || raw === null) continue; // no name: Terraform generates a unique one
      const template = resolvedText(stack, raw)
        .replace(/\$\{local\.([A-Za-z0-9_-]+)\}/g, (match, id: string) => locals.get(id) ?? match)
        .replace(/\$\{data\.aws_caller_identity\.[A-Za-z0-9_-]+\.account_id\}/g, ACCOUNT)
        .replace(/\$\{data\.aws_region\.[A-Za-z0-9_-]+\.(?:name|region)\}/g, REGION);
      names.push({ path: resource.node.path, kind, stackPath: stack.node.path, template, ...providerTarget(resource, providers) });
    }
  }
  return names;
}

const CHECK_ID = 'PhysicalNameCollisionCheck';

/**
 * Adds the collision check to the stack of `scope`, once. It runs as a
 * validation on the final tree (`app.synth()`, `cdktf synth`,
 * `Testing.synth(stack, true)`), so resources added or renamed after this
 * construct (escape hatches included) are seen. It reports each collision
 * that involves a resource of its own stack.
 */
export function ensureNameCollisionCheck(scope: IConstruct): void {
  const stack = TerraformStack.of(scope);
  if (stack.node.tryFindChild(CHECK_ID)) return;
  const check = new Construct(stack, CHECK_ID);
  check.node.addValidation({
    validate: () =>
      findNameCollisions(physicalNamesIn(stack.node.root))
        .filter((c) => c.first.stackPath === stack.node.path || c.second.stackPath === stack.node.path)
        .map(formatCollision),
  });
}
