import { Token } from 'cdktf';
import { IConstruct } from 'constructs';
import { validateAsl } from './asl-validation';
import { ROLE_NAME_RULES, validateName } from './name-rules';
import { resolvedText } from './synthesized';
import { Violation, violation } from './validation';

/**
 * What LoggedStateMachine checks and reads in a definition and an existing
 * role, as pure functions: the role name rules, the ASL check, and which
 * function, service or activity each Task state calls.
 */

/** An existing role as LoggedStateMachine takes it (see `ExistingStateMachineRole`). */
export interface ExistingRoleRef {
  readonly roleArn: string;
  readonly roleName?: string;
}

/** A role name from a literal role ARN (`arn:<partition>:iam::<account>:role/<path/>name`). */
export function roleNameFromArn(roleArn: string): string | undefined {
  if (Token.isUnresolved(roleArn)) return undefined;
  return /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn)?.[1];
}

/** What is wrong with `existingRole`, checked at synth: the name's IAM rules and, for a literal ARN, that it names the same role. */
export function validateExistingRole(role: ExistingRoleRef): Violation[] {
  const violations: Violation[] = [];
  const arnIsLiteral = !Token.isUnresolved(role.roleArn);
  const nameFromArn = roleNameFromArn(role.roleArn);
  if (arnIsLiteral && nameFromArn === undefined) {
    violations.push(
      violation(
        'state-machine/existing-role-arn',
        'existingRole.roleArn',
        role.roleArn,
        'be an IAM role ARN (arn:<partition>:iam::<12-digit account>:role/<optional path/><name>)',
        'pass the ARN shown on the role in the IAM console',
      ),
    );
  }
  if (role.roleName === undefined) {
    if (!arnIsLiteral) {
      violations.push(
        violation(
          'state-machine/existing-role-name',
          'existingRole',
          '(an ARN known only at deploy time)',
          'let the construct attach the log-delivery policy, which needs the role name',
          'pass existingRole.roleName as well (without the log-delivery actions, AWS rejects the state machine)',
        ),
      );
    }
    // The name the policy is attached to is the one parsed from the ARN: IAM's rules hold for it too.
    if (nameFromArn !== undefined) violations.push(...validateName('existingRole.roleArn (its role name)', nameFromArn, ROLE_NAME_RULES));
    return violations;
  }
  violations.push(...validateName('existingRole.roleName', role.roleName, ROLE_NAME_RULES));
  if (nameFromArn !== undefined && !Token.isUnresolved(role.roleName) && nameFromArn !== role.roleName) {
    violations.push(
      violation(
        'state-machine/existing-role-match',
        'existingRole',
        { roleArn: role.roleArn, roleName: role.roleName },
        `name one role: the ARN names "${nameFromArn}", so the log-delivery policy would go to another role than the one the state machine runs as`,
        `set roleName to "${nameFromArn}", or roleArn to that role's ARN`,
      ),
    );
  }
  return violations;
}

const PLACEHOLDER_LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:placeholder';
const PLACEHOLDER_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:placeholder';
const LAMBDA_REFERENCE = /^(data\.)?aws_lambda_(function|alias)\./;
/** Deploy-time parts of an ARN built in the stack's partition, account and region, with a literal of their shape. */
const ARN_PART_SAMPLES: readonly [RegExp, string][] = [
  [/^data\.aws_partition\.[\w-]+\.partition$/, 'aws'],
  [/^data\.aws_region\.[\w-]+\.(name|region)$/, 'us-east-1'],
  [/^data\.aws_caller_identity\.[\w-]+\.account_id$/, '123456789012'],
];

/**
 * Replaces Terraform references in a resolved definition with literals of the
 * right shape, so asl-validator can judge the rest: a value that is one
 * reference becomes a placeholder ARN (a Lambda one for a function), and the
 * partition, region and account inside a built ARN become sample literals.
 */
export function withPlaceholderArns(resolvedDefinition: unknown): unknown {
  const replace = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = /^\$\{([^}]*)\}$/.exec(value);
      if (whole) return LAMBDA_REFERENCE.test(whole[1]) ? PLACEHOLDER_LAMBDA_ARN : PLACEHOLDER_ARN;
      return value.replace(/\$\{([^}]*)\}/g, (_match, expression: string) => ARN_PART_SAMPLES.find(([pattern]) => pattern.test(expression))?.[1] ?? 'placeholder');
    }
    if (Array.isArray(value)) return value.map(replace);
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, replace(v)]));
    return value;
  };
  return replace(resolvedDefinition);
}

/** asl-validator's verdict on a definition whose references were resolved to placeholders. */
export function validateDefinition(resolvedDefinition: unknown): Violation[] {
  const errors = validateAsl(withPlaceholderArns(resolvedDefinition), { checkArn: true, checkPaths: true });
  return errors.map((error) =>
    violation('state-machine/valid-asl', 'definition', error.Message, 'be valid Amazon States Language', `fix the definition (${error['Error code']})`),
  );
}

/** What a Task state calls. */
export type TaskCall =
  /** A Lambda function, named by `target` (an ARN, or a name when `byName`). */
  | { readonly kind: 'function'; readonly target: string; readonly byName: boolean }
  /** A Lambda function chosen at run time (`FunctionName.$`, JSONata): the definition cannot tell which. */
  | { readonly kind: 'function-at-run-time' }
  /** A service integration (`arn:<partition>:states:::<service>:<action>`): the caller grants its permissions. */
  | { readonly kind: 'service'; readonly service: string; readonly action: string }
  /** An activity: workers poll it, the state machine's role needs nothing. */
  | { readonly kind: 'activity' }
  /** Anything else: not something the construct can grant. */
  | { readonly kind: 'unknown' };

export interface TaskState {
  /** The state's name (`Outer/Inner` inside a Parallel branch or a Map). */
  readonly state: string;
  /** The Task's `Resource`, as given (it may hold tokens). */
  readonly resource: string;
  /** The same as synth writes it (`${aws_lambda_function.x.arn}`), for messages and matching. */
  readonly resolvedResource: string;
  /** Where the call is read from: `Resource`, or `Parameters.FunctionName`. */
  readonly field: string;
  readonly call: TaskCall;
}

const LAMBDA_INVOKE_INTEGRATION = /^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/;
const SERVICE_INTEGRATION = /^arn:[^:]+:states:::([a-z0-9-]+):([A-Za-z0-9:]+?)(\.sync(:\d+)?|\.waitForTaskToken)?$/;
const ACTIVITY = /^arn:[^:]+:states:[^:]*:[^:]*:activity:|^\$\{aws_sfn_activity\.[\w-]+\.(id|arn)\}$/;
const LAMBDA_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(:[^:]+)?$|^\$\{(data\.)?aws_lambda_(function|alias)\.[\w-]+\.(arn|qualified_arn)\}$/;

/** Every Task state of a definition (Parallel branches and Map processors included) and what it calls. */
export function taskStatesOf(scope: IConstruct, definition: Readonly<Record<string, unknown>>): TaskState[] {
  const tasks: TaskState[] = [];
  const visit = (states: unknown, prefix: string): void => {
    if (typeof states !== 'object' || states === null) return;
    for (const [name, raw] of Object.entries(states)) {
      const state = (raw ?? {}) as Record<string, unknown>;
      const path = `${prefix}${name}`;
      if (state.Type === 'Task' && typeof state.Resource === 'string') tasks.push(classifyTask(scope, path, state));
      for (const branch of Array.isArray(state.Branches) ? state.Branches : []) visit((branch as Record<string, unknown>)?.States, `${path}/`);
      const processor = (state.ItemProcessor ?? state.Iterator) as Record<string, unknown> | undefined;
      if (processor) visit(processor.States, `${path}/`);
    }
  };
  visit(definition.States, '');
  return tasks;
}

function classifyTask(scope: IConstruct, state: string, task: Record<string, unknown>): TaskState {
  const resource = task.Resource as string;
  const resolved = resolvedText(scope, resource);
  const at = { state, resource, resolvedResource: resolved, field: 'Resource' };
  if (LAMBDA_INVOKE_INTEGRATION.test(resolved)) {
    const parameters = (task.Parameters ?? task.Arguments ?? {}) as Record<string, unknown>;
    const functionName = parameters.FunctionName;
    const field = `${task.Parameters ? 'Parameters' : 'Arguments'}.FunctionName`;
    if (typeof functionName !== 'string' || /^\{%[\s\S]*%\}$/.test(functionName)) return { ...at, field, call: { kind: 'function-at-run-time' } };
    const target = resolvedText(scope, functionName);
    return { ...at, field, call: { kind: 'function', target: functionName, byName: !LAMBDA_ARN.test(target) } };
  }
  if (LAMBDA_ARN.test(resolved)) return { ...at, call: { kind: 'function', target: resource, byName: false } };
  if (ACTIVITY.test(resolved)) return { ...at, call: { kind: 'activity' } };
  const service = SERVICE_INTEGRATION.exec(resolved);
  if (service) return { ...at, call: { kind: 'service', service: service[1], action: service[2] } };
  return { ...at, call: { kind: 'unknown' } };
}

/**
 * The IAM action a service integration calls, for the services whose
 * integration names it directly (`dynamodb:updateItem` -> `dynamodb:UpdateItem`);
 * undefined for the others (AWS SDK integrations, `.sync` jobs, HTTP), whose
 * permissions the caller grants without a check here.
 */
export function serviceIntegrationAction(service: string, action: string): string | undefined {
  if (!['dynamodb', 'sns', 'sqs', 'events', 'states'].includes(service) || action.includes(':')) return undefined;
  return `${service}:${action[0].toUpperCase()}${action.slice(1)}`;
}
