/**
 * Seed failure 3 over the final JSON: a state machine with logging on must run
 * as a role that a policy in the tree, attached to that same role, grants the
 * eight log-delivery actions on `*`. An existing role (a literal ARN) must be
 * in the account the state machine deploys to, and its name must pass IAM's
 * rules. Pure.
 */
import { CROSS_STACK_REFERENCE } from '../cdktf-cross-stack';
import { DeploymentCheckOptions, DeploymentViolation } from '../deployment-document';
import { UNKNOWN, blocksOf, mayShareAccount } from '../deployment-target';
import { LOG_DELIVERY_ACTIONS } from '../iam';
import { NAME_KINDS, hclStringLiteral, satisfiesConstraint } from '../name-rule-tables';
import { DocumentIndex, ResourceEntry, isLiteralText, isObject, preconditionsOf, refOf, resolverFor, soleInterpolation } from './model';
import { AttachedPolicies, RoleIdentity, missingActions, permissionsBoundaryOf, policiesAttachedTo } from './policies';
import { hclExpressionOf, isLiteral, segmentsOf, substitute, textOf } from './template';

export const LOG_DELIVERY_RULE = 'state-machine/log-delivery-permissions';
export const ROLE_ACCOUNT_RULE = 'state-machine/role-account';
export const LOG_DELIVERY_ROLE_RULE = 'state-machine/log-delivery-role';
/** LoggedStateMachine's own precondition tying a deploy-time ARN to the role name it attached the policy to. */
const EXISTING_ROLE_MATCH_RULE = 'state-machine/existing-role-match';

const ROLE_ARN = /^arn:[a-z-]+:iam::(\d{12}):role\/(?:.*\/)?([^/]*)$/;

function loggingEnabled(config: ResourceEntry['config']): boolean {
  return blocksOf(config.logging_configuration).some((block) => {
    const level = block.level;
    return typeof level === 'string' && (!isLiteralText(level) || ['ALL', 'ERROR', 'FATAL'].includes(level));
  });
}

/** How a state machine's `role_arn` reads at synth. */
type RoleOf =
  | { readonly kind: 'resource'; readonly role: ResourceEntry }
  | { readonly kind: 'cross-stack-unresolved'; readonly shown: string; readonly why: string }
  | { readonly kind: 'arn'; readonly arn: string; readonly account: string; readonly name: string }
  | { readonly kind: 'not-an-arn'; readonly value: string }
  | { readonly kind: 'deploy-time'; readonly shown: string; readonly expression: string };

/**
 * A reference to a role's ARN: `aws_iam_role.<name>.arn`, or of one instance of a counted or
 * for_each role (`aws_iam_role.r[0].arn`, `aws_iam_role.r["a"].arn`, as a plan writes it).
 * Group 1: the role's address with its instance key, as the document keys it; group 2: its name.
 */
export const ROLE_ARN_REFERENCE = /^(aws_iam_role\.([A-Za-z0-9_-]+)(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?)\.arn$/;
/** A module's output in a plan (`module.roles.arn`, `module.roles[0].arn`): group 1 the module instance, group 2 the output. */
const MODULE_OUTPUT_REFERENCE = /^(module\.[A-Za-z0-9_-]+(?:\[(?:\d+|"(?:[^"\\]|\\.)*")\])?)\.([A-Za-z0-9_-]+)$/;

/**
 * The role a cross-stack reference reads: cdktf puts `${aws_iam_role.x.arn}` into an output of the
 * producer stack and reads it in the consumer through `data.terraform_remote_state.cross-stack-reference-input-<producer path>`.
 * Undefined when `expression` is no such reference; a reason when it is one that does not lead to a role of the document.
 */
function crossStackRole(index: DocumentIndex, machine: ResourceEntry, expression: string): RoleOf | undefined {
  const match = CROSS_STACK_REFERENCE.exec(expression);
  if (!match) return undefined;
  const [, producerPath, outputName] = match;
  const shown = `\${${expression}}`;
  const producer = index.document.stacks.find((s) => s.name === producerPath && s.name !== machine.stack);
  if (!producer) return { kind: 'cross-stack-unresolved', shown, why: `stack ${producerPath} is not in the app` };
  const outputs = producer.json.output;
  const output = isObject(outputs) && isObject(outputs[outputName]) ? outputs[outputName] : undefined;
  const value = output && isObject(output) ? soleInterpolation(output.value) : undefined;
  const address = value ? ROLE_ARN_REFERENCE.exec(value)?.[1] : undefined;
  const role = address ? index.find(producer.name, address) : undefined;
  if (role) return { kind: 'resource', role };
  return { kind: 'cross-stack-unresolved', shown, why: `output ${outputName} of stack ${producer.name} is not the arn of an aws_iam_role of that stack` };
}

/**
 * The role a plan's `module.X.<output>` names: the planned module instance is the stack `<stack>/module.X`
 * (`<stack>.module.X` inside a module), and its output's value the reference the output's expression makes.
 */
function moduleOutputRole(index: DocumentIndex, machine: ResourceEntry, expression: string): RoleOf | undefined {
  const match = index.document.valuesResolved ? MODULE_OUTPUT_REFERENCE.exec(expression) : null;
  if (!match) return undefined;
  const [, moduleInstance, outputName] = match;
  const moduleStack = `${machine.stack}${machine.stack.includes('/') ? '.' : '/'}${moduleInstance}`;
  const shown = `\${${expression}}`;
  const stack = index.document.stacks.find((s) => s.name === moduleStack);
  if (!stack) return { kind: 'cross-stack-unresolved', shown, why: `the plan has no module instance ${moduleInstance} (stack ${moduleStack})` };
  const outputs = stack.json.output;
  const output = isObject(outputs) && isObject(outputs[outputName]) ? outputs[outputName] : undefined;
  const value = output && isObject(output) ? soleInterpolation(output.value) : undefined;
  const address = value ? ROLE_ARN_REFERENCE.exec(value)?.[1] : undefined;
  const role = address ? index.find(moduleStack, address) : undefined;
  if (role) return { kind: 'resource', role };
  return { kind: 'cross-stack-unresolved', shown, why: `output ${outputName} of ${moduleInstance} is not the arn of an aws_iam_role of that module` };
}

function roleOf(index: DocumentIndex, machine: ResourceEntry): RoleOf | undefined {
  const raw = machine.config.role_arn;
  if (typeof raw !== 'string') return undefined;
  const expression = soleInterpolation(raw);
  const roleAddress = expression ? ROLE_ARN_REFERENCE.exec(expression)?.[1] : undefined;
  const role = roleAddress ? index.find(machine.stack, roleAddress) : undefined;
  if (role) return { kind: 'resource', role };
  // Before app.synth() prepares the stacks (Testing.synth of one stack), a cross-stack reference still reads as
  // the producer's own address: an address no other stack of the app declares is that stack's role.
  const elsewhere = roleAddress ? index.document.stacks.flatMap((s) => index.find(s.name, roleAddress) ?? []) : [];
  if (elsewhere.length === 1) return { kind: 'resource', role: elsewhere[0] };
  const crossStack = expression ? (crossStackRole(index, machine, expression) ?? moduleOutputRole(index, machine, expression)) : undefined;
  if (crossStack) return crossStack;
  const instance = 'deployTime' in machine.instances ? undefined : machine.instances[0];
  const segments = substitute(segmentsOf(raw), resolverFor(index, machine, instance));
  if (!isLiteral(segments)) return { kind: 'deploy-time', shown: textOf(segments), expression: hclExpressionOf(segmentsOf(raw)) };
  const arn = textOf(segments);
  const match = ROLE_ARN.exec(arn);
  return match ? { kind: 'arn', arn, account: match[1], name: match[2] } : { kind: 'not-an-arn', value: arn };
}

function identityOfResource(role: ResourceEntry): RoleIdentity {
  const name = role.config.name;
  const base = role.address;
  return {
    names: new Set(typeof name === 'string' && isLiteralText(name) ? [name.toLowerCase()] : []),
    references: new Set([`${base}.name`, `${base}.id`]),
  };
}

/** Roles of the stack that some attached policy grants all eight actions: what a deploy-time `role_arn` may name. */
export function logDeliveryRoleCandidates(index: DocumentIndex, stack: string): string[] {
  const candidates = new Set<string>();
  const roles = index.ofType('aws_iam_role').filter((r) => r.stack === stack);
  for (const role of roles) {
    if (missingActions(policiesAttachedTo(index, stack, identityOfResource(role), role), LOG_DELIVERY_ACTIONS).length === 0) {
      candidates.add(`${role.address}.name`);
    }
  }
  const literalRoleNames = index.resources
    .filter((r) => r.stack === stack && (r.type === 'aws_iam_role_policy' || r.type === 'aws_iam_role_policy_attachment'))
    .map((r) => r.config.role)
    .filter((role): role is string => typeof role === 'string' && soleInterpolation(role) === undefined && isLiteralText(role));
  for (const name of new Set(literalRoleNames)) {
    const identity: RoleIdentity = { names: new Set([name.toLowerCase()]), references: new Set() };
    if (missingActions(policiesAttachedTo(index, stack, identity), LOG_DELIVERY_ACTIONS).length === 0) candidates.add(hclStringLiteral(name));
  }
  return [...candidates].sort();
}

function permissionViolation(machine: ResourceEntry, roleShown: string, policies: AttachedPolicies, missing: readonly string[], cappedBy?: string): DeploymentViolation {
  if (cappedBy) {
    const read = policies.read.length > 0 ? `read: ${policies.read.map((p) => p.source).join(', ')}` : `not read: ${policies.unread.join(', ')}`;
    return {
      ruleId: LOG_DELIVERY_RULE,
      ...refOf(machine),
      field: 'role_arn',
      value: roleShown,
      requirement: `name a role whose permissions boundary also allows the ${LOG_DELIVERY_ACTIONS.length} log-delivery actions on "*" (IAM grants only what both allow); ${cappedBy} does not allow: ${missing.join(', ')} (${read})`,
      fix: 'allow them in the boundary (an aws_iam_policy of this stack, its policy a JSON literal or a data.aws_iam_policy_document), or remove the boundary from the role',
    };
  }
  const nothingAttached = policies.unread.length === 0 && policies.ignored.length === 0;
  const read =
    policies.read.length > 0
      ? `policies read: ${policies.read.map((p) => p.source).join(', ')}`
      : nothingAttached
        ? 'no policy of this stack is attached to it'
        : 'no policy read';
  const unread =
    policies.unread.length > 0
      ? `; not read (neither a JSON literal nor a data.aws_iam_policy_document of the stack): ${policies.unread.join(', ')}`
      : '';
  const ignored = policies.ignored.length > 0 ? `; attached but not counted: ${policies.ignored.join(', ')}` : '';
  return {
    ruleId: LOG_DELIVERY_RULE,
    ...refOf(machine),
    field: 'role_arn',
    value: roleShown,
    requirement:
      `name a role granted, by a policy of this app attached to that role, the ${LOG_DELIVERY_ACTIONS.length} log-delivery actions on "*" ` +
      `(logging is on); missing: ${missing.join(', ')} (${read}${unread}${ignored})`,
    fix:
      'attach a policy granting them to the role the state machine runs as: LoggedStateMachine does so itself; for an aws_sfn_state_machine ' +
      'of your own, an aws_iam_role_policy on that role (its policy a JSON literal or a data.aws_iam_policy_document), or turn logging off',
  };
}

/** A role resource created through a provider of another account than the state machine's: Step Functions cannot pass it. */
function roleResourceAccountViolation(machine: ResourceEntry, role: ResourceEntry, shown: string): DeploymentViolation {
  const accounts = (t: ResourceEntry['target']) => (t.accounts === UNKNOWN ? 'unknown' : t.accounts.join(' or '));
  return {
    ruleId: ROLE_ACCOUNT_RULE,
    ...refOf(machine),
    field: 'role_arn',
    value: shown,
    requirement:
      `name a role of the account the state machine deploys to (${accounts(machine.target)}, through ${machine.target.provider}): ` +
      `${role.address}${role.stack === machine.stack ? '' : ` of stack ${role.stack}`} is created through ${role.target.provider}, in account ${accounts(role.target)}`,
    fix: `create the role through the state machine's provider (${machine.target.provider}), or pin both providers to one account`,
  };
}

function checkMachine(index: DocumentIndex, machine: ResourceEntry): DeploymentViolation[] {
  if (!loggingEnabled(machine.config)) return [];
  const role = roleOf(index, machine);
  if (!role) return [];
  const violations: DeploymentViolation[] = [];
  const preconditions = preconditionsOf(machine.config);
  const hasPrecondition = (rule: string) => preconditions.some((p) => p.message.includes(`[${rule}]`));
  switch (role.kind) {
    case 'resource': {
      // The role's own stack holds its policies (another stack of the app when role_arn is a cross-stack reference).
      const shown = `\${${role.role.address}.arn}${role.role.stack === machine.stack ? '' : ` of stack ${role.role.stack}`}`;
      const policies = policiesAttachedTo(index, role.role.stack, identityOfResource(role.role), role.role);
      const missing = missingActions(policies, LOG_DELIVERY_ACTIONS);
      if (missing.length > 0) violations.push(permissionViolation(machine, shown, policies, missing));
      // A permissions boundary caps what the policies grant: it must allow the actions too.
      const boundary = permissionsBoundaryOf(index, role.role);
      const capped = boundary && missing.length === 0 ? missingActions(boundary, LOG_DELIVERY_ACTIONS) : [];
      if (boundary && capped.length > 0) violations.push(permissionViolation(machine, shown, boundary, capped, 'its permissions boundary'));
      if (!mayShareAccount(role.role.target, machine.target)) violations.push(roleResourceAccountViolation(machine, role.role, shown));
      break;
    }
    case 'cross-stack-unresolved':
      violations.push({
        ruleId: LOG_DELIVERY_ROLE_RULE,
        ...refOf(machine),
        field: 'role_arn',
        value: role.shown,
        requirement: `name, through its cross-stack reference or module output, an aws_iam_role of another stack of this app or module of this plan, so its log-delivery permissions can be checked; ${role.why}`,
        fix: 'pass the role resource\'s arn (role.arn) of the stack or module that creates it (a module output whose value is aws_iam_role.<name>.arn), or create the role beside the state machine',
      });
      break;
    case 'not-an-arn':
      violations.push({
        ruleId: 'state-machine/role-arn',
        ...refOf(machine),
        field: 'role_arn',
        value: role.value,
        requirement: 'be an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<optional path/><name>)',
        fix: 'pass the ARN shown on the role in the IAM console',
      });
      break;
    case 'arn': {
      for (const rule of NAME_KINDS.role.rules.filter((r) => !satisfiesConstraint(role.name, r.constraint))) {
        violations.push({ ruleId: rule.id, ...refOf(machine), field: 'role_arn (its role name)', value: role.name, requirement: rule.requirement, fix: 'give the ARN of a role whose name IAM accepts' });
      }
      const policies = policiesAttachedTo(index, machine.stack, { names: new Set([role.name.toLowerCase()]), references: new Set() }, undefined, machine.target);
      const missing = missingActions(policies, LOG_DELIVERY_ACTIONS);
      if (missing.length > 0) violations.push(permissionViolation(machine, role.arn, policies, missing));
      violations.push(...accountViolations(index, machine, role, hasPrecondition(ROLE_ACCOUNT_RULE)));
      break;
    }
    case 'deploy-time': {
      if (index.document.valuesResolved) {
        violations.push({
          ruleId: LOG_DELIVERY_ROLE_RULE,
          ...refOf(machine),
          field: 'role_arn',
          value: role.shown,
          requirement: 'name a role of this plan, or be known at plan, so its log-delivery permissions can be checked',
          fix: 'reference the aws_iam_role of this configuration, or pass the ARN of an existing role as a value known at plan',
        });
        break;
      }
      const candidates = logDeliveryRoleCandidates(index, machine.stack);
      if (candidates.length === 0) {
        violations.push(permissionViolation(machine, role.shown, { read: [], unread: [], ignored: [] }, [...LOG_DELIVERY_ACTIONS]));
      } else if (!hasPrecondition(LOG_DELIVERY_ROLE_RULE) && !hasPrecondition(EXISTING_ROLE_MATCH_RULE)) {
        violations.push({
          ruleId: 'state-machine/plan-time-check',
          ...refOf(machine),
          field: 'role_arn',
          value: role.shown,
          requirement: `carry a plan-time precondition ([${LOG_DELIVERY_ROLE_RULE}]) that the role it runs as is one granted the log-delivery actions, since its ARN is known only at deploy time`,
          fix: 'install the deployment checks on its stack (installDeploymentChecks(stack)), which add it, or reference the role resource directly',
        });
      }
      break;
    }
  }
  return violations;
}

/** The account the state machine deploys to, as far as the document tells: its provider, else (in a plan) a caller identity read through it. */
function accountsOf(index: DocumentIndex, machine: ResourceEntry): readonly string[] | typeof UNKNOWN {
  if (machine.target.accounts !== UNKNOWN || !index.document.valuesResolved) return machine.target.accounts;
  const read = index
    .dataOfType('aws_caller_identity')
    .filter((d) => d.stack === machine.stack && d.target.provider === machine.target.provider)
    .map((d) => d.config.account_id)
    .find((a): a is string => typeof a === 'string' && /^\d{12}$/.test(a));
  return read ? [read] : UNKNOWN;
}

function accountViolations(index: DocumentIndex, machine: ResourceEntry, role: { arn: string; account: string }, precondition: boolean): DeploymentViolation[] {
  const accounts = accountsOf(index, machine);
  const base = { ...refOf(machine), field: 'role_arn', value: role.arn };
  if (accounts === UNKNOWN) {
    if (index.document.valuesResolved || precondition) return [];
    return [
      {
        ruleId: 'state-machine/plan-time-check',
        ...base,
        requirement: `carry a plan-time precondition ([${ROLE_ACCOUNT_RULE}]) that the role's account (${role.account}) is the account deployed to, since the provider does not pin it`,
        fix: 'install the deployment checks on its stack (installDeploymentChecks(stack)), which add it, or pin the provider (allowed_account_ids)',
      },
    ];
  }
  if (accounts.length === 0 || accounts.includes(role.account)) return [];
  return [
    {
      ruleId: ROLE_ACCOUNT_RULE,
      ...base,
      requirement: `name a role of the account the state machine deploys to (${accounts.join(' or ')}): this role is in account ${role.account}, so the log-delivery policy would be attached by name to another role, or fail`,
      fix: `use a role of account ${accounts.join(' or ')}, or deploy the stack to account ${role.account} (allowed_account_ids)`,
    },
  ];
}

/** Every state machine with logging on, against the role it runs as. */
export function checkStateMachineRoles(index: DocumentIndex, _options: DeploymentCheckOptions): DeploymentViolation[] {
  return index.ofType('aws_sfn_state_machine').flatMap((machine) => checkMachine(index, machine));
}

/** What a stack's plan must check about its state machines' roles (added by the final-tree hook). */
export type RolePlanCheck =
  | { readonly machine: ResourceEntry; readonly kind: 'account'; readonly account: string }
  | { readonly machine: ResourceEntry; readonly kind: 'role'; readonly roleArn: string; readonly candidates: readonly string[] };

/**
 * The plan-time checks of a stack's logging state machines. `withoutPolicies`: a document without
 * the stack's policies, asking only which checks there are (a role check then lists no candidates).
 */
export function rolePlanChecks(index: DocumentIndex, stack: string, options: { withoutPolicies?: boolean } = {}): RolePlanCheck[] {
  const checks: RolePlanCheck[] = [];
  for (const machine of index.ofType('aws_sfn_state_machine').filter((m) => m.stack === stack)) {
    if (!loggingEnabled(machine.config)) continue;
    const role = roleOf(index, machine);
    if (role?.kind === 'arn' && machine.target.accounts === UNKNOWN) checks.push({ machine, kind: 'account', account: role.account });
    if (role?.kind === 'deploy-time') {
      const candidates = options.withoutPolicies ? [] : logDeliveryRoleCandidates(index, stack);
      if (candidates.length > 0 || options.withoutPolicies) checks.push({ machine, kind: 'role', roleArn: role.expression, candidates });
    }
  }
  return checks;
}
