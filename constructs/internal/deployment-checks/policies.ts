/**
 * IAM policies as the final JSON attaches them to a role: inline policies,
 * `aws_iam_role_policy`, and managed policies of the tree attached with
 * `aws_iam_role_policy_attachment` or `aws_iam_policy_attachment`. A policy is
 * read from a JSON literal or a `data.aws_iam_policy_document`; anything else
 * (`jsonencode(...)`, a file) is reported as unread. A policy an exclusive-management
 * resource (`aws_iam_role_policies_exclusive`, `aws_iam_role_policy_attachments_exclusive`)
 * does not list is removed at apply, so it does not count. Pure.
 */
import { DeploymentTarget, blocksOf, mayShareAccount } from '../deployment-target';
import { DocumentIndex, JsonObject, ResourceEntry, isObject, soleInterpolation } from './model';

export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions?: readonly string[];
  readonly notActions?: readonly string[];
  readonly resources?: readonly string[];
  readonly notResources?: readonly string[];
  /** The statement has a `Condition`: an Allow then grants only sometimes, so it does not count as a grant. */
  readonly conditional?: boolean;
}

/** The policies attached to one role, those that could not be read, and those that do not reach it (with why). */
export interface AttachedPolicies {
  readonly read: readonly { readonly source: string; readonly statements: readonly PolicyStatement[] }[];
  readonly unread: readonly string[];
  readonly ignored: readonly string[];
}

/** How a role is named in the JSON: literal names (compared ignoring case, as IAM does) and expressions referring to it. */
export interface RoleIdentity {
  readonly names: ReadonlySet<string>;
  readonly references: ReadonlySet<string>;
}

const asList = (value: unknown): string[] | undefined =>
  typeof value === 'string' ? [value] : Array.isArray(value) && value.every((v): v is string => typeof v === 'string') ? value : undefined;

function statementsOfJson(text: string): PolicyStatement[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const statements: unknown[] = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  if (!statements.every(isObject)) return undefined;
  return statements.map((s: JsonObject) => ({
    effect: s.Effect === 'Deny' ? 'Deny' : 'Allow',
    actions: asList(s.Action),
    notActions: asList(s.NotAction),
    resources: asList(s.Resource),
    notResources: asList(s.NotResource),
    conditional: s.Condition !== undefined && s.Condition !== null,
  }));
}

/** The statements of a `data.aws_iam_policy_document`: its resolved `json` (a plan), else its blocks and the documents it merges. */
function statementsOfDocument(index: DocumentIndex, document: ResourceEntry, depth: number): PolicyStatement[] | undefined {
  if (typeof document.config.json === 'string') {
    const fromJson = statementsOfJson(document.config.json);
    if (fromJson) return fromJson;
  }
  const merged: PolicyStatement[] = [];
  for (const key of ['source_policy_documents', 'override_policy_documents', 'source_json', 'override_json']) {
    for (const value of asList(document.config[key]) ?? []) {
      const statements = statementsOfPolicy(index, document.stack, value, depth + 1);
      if (!statements) return undefined;
      merged.push(...statements);
    }
  }
  for (const block of blocksOf(document.config.statement)) {
    merged.push({
      effect: block.effect === 'Deny' ? 'Deny' : 'Allow',
      actions: asList(block.actions),
      notActions: asList(block.not_actions),
      resources: asList(block.resources),
      notResources: asList(block.not_resources),
      conditional: blocksOf(block.condition).length > 0,
    });
  }
  return merged;
}

/** A policy argument's statements, or undefined when it is neither a JSON literal nor a policy document of the tree. */
export function statementsOfPolicy(index: DocumentIndex, stack: string, value: unknown, depth = 0): PolicyStatement[] | undefined {
  if (depth > 4 || typeof value !== 'string') return undefined;
  const expression = soleInterpolation(value);
  if (expression === undefined) return statementsOfJson(value);
  const documentAddress = /^(data\.aws_iam_policy_document\.[A-Za-z0-9_-]+)\.json$/.exec(expression)?.[1];
  const document = documentAddress ? index.find(stack, documentAddress) : undefined;
  return document ? statementsOfDocument(index, document, depth) : undefined;
}

/** True when `value` names the role: a literal name (ignoring case) or a reference to it. */
function namesRole(value: unknown, role: RoleIdentity): boolean {
  if (typeof value !== 'string') return false;
  const expression = soleInterpolation(value);
  return expression !== undefined ? role.references.has(expression) : role.names.has(value.toLowerCase());
}

/** The managed policy of the tree a `policy_arn` points to: a reference, or a literal ARN ending with the name of one. */
function managedPolicy(index: DocumentIndex, stack: string, policyArn: unknown): ResourceEntry | undefined {
  if (typeof policyArn !== 'string') return undefined;
  const expression = soleInterpolation(policyArn);
  if (expression !== undefined) {
    const address = /^(aws_iam_policy\.[A-Za-z0-9_-]+)\.(?:arn|id)$/.exec(expression)?.[1];
    return address ? index.find(stack, address) : undefined;
  }
  const name = /^arn:[^:]+:iam::\d{12}:policy\/(?:.*\/)?([^/]+)$/.exec(policyArn)?.[1];
  return name ? index.ofType('aws_iam_policy').find((p) => p.stack === stack && p.config.name === name) : undefined;
}

/**
 * Why a policy resource may not reach the role: it is never created (a literal `count` of 0, an empty
 * `for_each`), or created only as a deploy-time multiplicity decides, or through a provider of another
 * account (IAM attaches by name, in the account it deploys to). Undefined when it reaches the role.
 */
function notAttachedBecause(entry: ResourceEntry, roleTarget: DeploymentTarget | undefined): string | undefined {
  if ('deployTime' in entry.instances) return `its count or for_each (${entry.instances.deployTime}) is known only at deploy time`;
  if (entry.instances.length === 0) return 'its count or for_each creates no instance';
  if (roleTarget && !mayShareAccount(entry.target, roleTarget)) return `it deploys through ${entry.target.provider}, another account than the role's`;
  return undefined;
}

/** Whether `value` names the role for a resource of `stack`: references count only within the role's own stack. */
function namesRoleFrom(value: unknown, role: RoleIdentity, sameStack: boolean): boolean {
  return sameStack ? namesRole(value, role) : soleInterpolation(value) === undefined && namesRole(value, role);
}

/** Whether a list argument (literal strings and interpolations) holds `value` or an interpolation in `references`. */
function listHolds(list: unknown, literal: unknown, references: readonly string[]): boolean {
  const items = asList(list);
  if (!items) return false;
  return items.some((item) => {
    const expression = soleInterpolation(item);
    return expression !== undefined ? references.includes(expression) : typeof literal === 'string' && item === literal;
  });
}

/**
 * The exclusive-management resource that removes a policy from the role at apply, if any:
 * `aws_iam_role_policies_exclusive` deletes every inline policy its `policy_names` does not list,
 * `aws_iam_role_policy_attachments_exclusive` detaches every managed policy its `policy_arns` does not
 * list (a list synth cannot read counts as not listing it).
 */
function removedBy(index: DocumentIndex, stack: string, role: RoleIdentity, roleTarget: DeploymentTarget | undefined, policy: ResourceEntry): string | undefined {
  const inline = policy.type === 'aws_iam_role_policy';
  const exclusiveType = inline ? 'aws_iam_role_policies_exclusive' : 'aws_iam_role_policy_attachments_exclusive';
  const exclusive = index.ofType(exclusiveType).find((entry) => {
    if (!namesRoleFrom(entry.config.role_name, role, entry.stack === stack)) return false;
    if (roleTarget && !mayShareAccount(entry.target, roleTarget)) return false;
    if ('deployTime' in entry.instances ? false : entry.instances.length === 0) return false;
    const sameStack = entry.stack === policy.stack;
    return inline
      ? !listHolds(entry.config.policy_names, policy.config.name, sameStack ? [`${policy.address}.name`] : [])
      : !listHolds(entry.config.policy_arns, policy.config.policy_arn, sameStack ? [soleInterpolation(policy.config.policy_arn) ?? ''].filter(Boolean) : []);
  });
  if (!exclusive) return undefined;
  return `${exclusive.stack === stack ? '' : `${exclusive.stack}/`}${exclusive.address} removes it at apply: its ${inline ? 'policy_names' : 'policy_arns'} does not list it`;
}

/**
 * Every policy of `stack` attached to the role, read or not. `roleEntry` is the role resource, when the role is one;
 * `roleTarget` where the role lives (the role resource's target, or the state machine's for an existing role).
 */
export function policiesAttachedTo(
  index: DocumentIndex,
  stack: string,
  role: RoleIdentity,
  roleEntry?: ResourceEntry,
  roleTarget: DeploymentTarget | undefined = roleEntry?.target,
): AttachedPolicies {
  const read: { source: string; statements: PolicyStatement[] }[] = [];
  const unread: string[] = [];
  const ignored: string[] = [];
  const add = (source: string, value: unknown) => {
    const statements = statementsOfPolicy(index, stack, value);
    if (statements) read.push({ source, statements });
    else unread.push(source);
  };
  if (roleEntry) {
    blocksOf(roleEntry.config.inline_policy).forEach((block, i) => block.policy !== undefined && add(`${roleEntry.address}.inline_policy[${i}]`, block.policy));
  }
  const inStack = index.resources.filter((r) => r.stack === stack);
  for (const entry of inStack) {
    const rolePolicy = entry.type === 'aws_iam_role_policy' && namesRole(entry.config.role, role);
    const attachesToRole =
      (entry.type === 'aws_iam_role_policy_attachment' && namesRole(entry.config.role, role)) ||
      (entry.type === 'aws_iam_policy_attachment' && (asList(entry.config.roles) ?? []).some((r) => namesRole(r, role)));
    if (!rolePolicy && !attachesToRole) continue;
    const because = notAttachedBecause(entry, roleTarget) ?? removedBy(index, stack, role, roleTarget, entry);
    if (because !== undefined) {
      ignored.push(`${entry.address} (${because})`);
      continue;
    }
    if (rolePolicy) {
      add(entry.address, entry.config.policy);
      continue;
    }
    const policy = managedPolicy(index, stack, entry.config.policy_arn);
    const policyBecause = policy && notAttachedBecause(policy, undefined);
    if (policy && policyBecause === undefined) add(`${entry.address} -> ${policy.address}`, policy.config.policy);
    else if (policy) ignored.push(`${entry.address} -> ${policy.address} (${policyBecause})`);
    else unread.push(`${entry.address} (policy_arn ${JSON.stringify(entry.config.policy_arn)} is not a policy of this stack)`);
  }
  return { read, unread, ignored };
}

/**
 * The permissions boundary of a role resource, as policies: IAM grants only what both the role's
 * policies and its boundary allow. Undefined when the role has none; a boundary that is not a
 * readable `aws_iam_policy` of the stack (an AWS managed policy, a deploy-time ARN) is unread.
 */
export function permissionsBoundaryOf(index: DocumentIndex, role: ResourceEntry): AttachedPolicies | undefined {
  const arn = role.config.permissions_boundary;
  if (arn === undefined || arn === null || arn === '') return undefined;
  const source = `${role.address}.permissions_boundary`;
  const policy = managedPolicy(index, role.stack, arn);
  const statements = policy && notAttachedBecause(policy, undefined) === undefined ? statementsOfPolicy(index, role.stack, policy.config.policy) : undefined;
  return statements
    ? { read: [{ source: `${source} -> ${policy?.address}`, statements }], unread: [], ignored: [] }
    : { read: [], unread: [`${source} (${JSON.stringify(arn)} is not a readable policy of this stack)`], ignored: [] };
}

/** IAM's wildcard match (`*`, `?`), ignoring case. */
function matches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(value);
}

function coversAction(s: PolicyStatement, action: string): boolean {
  if (s.actions) return s.actions.some((a) => matches(a, action));
  if (s.notActions) return !s.notActions.some((a) => matches(a, action));
  return false;
}

/** Whether an Allow statement reaches resource `*` (what the log-delivery actions need). */
function coversEveryResource(s: PolicyStatement): boolean {
  if (s.resources) return s.resources.includes('*');
  if (s.notResources) return !s.notResources.includes('*');
  return false;
}

/**
 * The actions of `required` that the policies do not grant on `*` without a condition (an explicit Deny wins,
 * as in IAM, conditional or not: synth cannot tell when a condition holds, so it errs towards refusing).
 */
export function missingActions(policies: AttachedPolicies, required: readonly string[]): string[] {
  const statements = policies.read.flatMap((p) => p.statements);
  return required.filter(
    (action) =>
      !statements.some((s) => s.effect === 'Allow' && !s.conditional && coversAction(s, action) && coversEveryResource(s)) ||
      statements.some((s) => s.effect === 'Deny' && coversAction(s, action)),
  );
}
