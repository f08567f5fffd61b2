import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { Fn, Op, Precondition, TerraformLocal, TerraformStack, Token } from 'cdktf';
import { Construct } from 'constructs';
import { ExistingRole, IGrantee, LeastPrivilegeRole, grantSid } from './least-privilege-role';
import { UnreservedFunction } from './unreserved-function';
import { validateAsl } from './internal/asl-validation';
import { LOG_DELIVERY_ACTIONS, XRAY_SAMPLING_ACTIONS, XRAY_WRITE_ACTIONS } from './internal/iam';
import { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_RULES } from './internal/log-retention';
import { NAME_KINDS, NameRule, STATE_MACHINE_NAME_RULES, deriveNameFor, guardDeployTimeName, validateName } from './internal/name-rules';
import { resolveForSynth, resolvedText } from './internal/synthesized';
import { Violation, checkRules, throwIfViolations, violation } from './internal/validation';

export { STATE_MACHINE_NAME_RULES };

/** An existing role; its name is needed to attach the log-delivery policy to it. */
export interface ExistingStateMachineRole {
  readonly roleArn: string;
  /**
   * The role's name (IAM: 1 to 64 of letters, digits and `+=,.@_-`), which
   * must be the last part of `roleArn`: checked at synth for a literal ARN, and
   * by a plan-time precondition for an ARN known only at deploy time.
   * @default parsed from a literal `roleArn`; required when the ARN is only known at deploy time
   */
  readonly roleName?: string;
}

/** IAM's rules for a role name, one table for the synth-time check. */
export const ROLE_NAME_RULES: readonly NameRule[] = [
  {
    id: 'role-name/min-length',
    requirement: 'not be empty',
    fix: 'give the name of the role the ARN points to',
    constraint: { kind: 'minLength', min: 1 },
    checkableWhenPartial: false,
  },
  {
    id: 'role-name/max-length',
    requirement: 'be at most 64 characters long',
    fix: 'give the role name, not its ARN or path',
    constraint: { kind: 'maxLength', max: 64 },
  },
  {
    id: 'role-name/charset',
    requirement: "contain only letters, digits and '+=,.@_-' (no path: '/' belongs to the ARN)",
    fix: 'give the last part of the role ARN only',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9+=,.@_-]*$' },
  },
];

export interface LoggedStateMachineProps {
  /**
   * The Amazon States Language definition, as an object. It may hold
   * references such as `fn.functionArn`; every {@link UnreservedFunction} it
   * references gets `lambda:InvokeFunction` on the role, and nothing else does.
   */
  readonly definition: Readonly<Record<string, unknown>>;
  /**
   * The exact name; validated, never rewritten.
   * @default `<stack name>-<path in the stack>`, built to pass STATE_MACHINE_NAME_RULES (at most 80 characters)
   */
  readonly stateMachineName?: string;
  /**
   * @default 'STANDARD'
   */
  readonly type?: 'STANDARD' | 'EXPRESS';
  /**
   * What is logged. `OFF` is not offered: this construct exists to log.
   * @default 'ALL'
   */
  readonly logLevel?: 'ALL' | 'ERROR' | 'FATAL';
  /**
   * Log state input and output. Off by default because job payloads may hold personal data.
   * @default false
   */
  readonly includeExecutionData?: boolean;
  /**
   * Retention of `/aws/vendedlogs/states/<name>`, in days.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Run as this role instead of a new one. The log-delivery policy is still
   * attached to it; synth fails when the role's name cannot be known.
   * @default a new role trusted by states.amazonaws.com
   */
  readonly existingRole?: ExistingStateMachineRole;
}

const PLACEHOLDER_LAMBDA_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:placeholder';
const PLACEHOLDER_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:placeholder';

/** A role name from a literal role ARN (`arn:<partition>:iam::<account>:role/<path/>name`). */
export function roleNameFromArn(roleArn: string): string | undefined {
  if (Token.isUnresolved(roleArn)) return undefined;
  return /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn)?.[1];
}

/** What is wrong with `existingRole`, checked at synth: the name's IAM rules and, for a literal ARN, that it names the same role. */
export function validateExistingRole(role: ExistingStateMachineRole): Violation[] {
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

/**
 * For an ARN or name known only at deploy time: a precondition that the ARN
 * ends with `role/<roleName>` or `role/<path>/<roleName>`, so the policy and
 * the state machine cannot be given two different roles.
 */
function existingRolePrecondition(path: string, role: ExistingStateMachineRole & { roleName: string }): Precondition {
  const arn = role.roleArn;
  const name = role.roleName;
  return {
    condition: Op.or(
      Fn.endswith(arn, `:role/${name}`),
      Op.and(Fn.strcontains(arn, ':role/'), Fn.endswith(arn, `/${name}`)),
    ),
    errorMessage:
      `LoggedStateMachine at '${path}': [state-machine/existing-role-match] existingRole.roleArn (${arn}) must end with ` +
      `role/${name} or role/<path>/${name}, so the log-delivery policy goes to the role the state machine runs as. ` +
      'Fix: pass the ARN and the name of the same role.',
  };
}

/**
 * Replaces Terraform references in a resolved definition with placeholder
 * ARNs of the right shape, so asl-validator can judge the rest.
 */
export function withPlaceholderArns(resolvedDefinition: unknown): unknown {
  const text = JSON.stringify(resolvedDefinition).replace(/\$\{([^}]*)\}/g, (_match, expression: string) =>
    expression.startsWith('aws_lambda_function.') ? PLACEHOLDER_LAMBDA_ARN : PLACEHOLDER_ARN,
  );
  return JSON.parse(text);
}

/** asl-validator's verdict on a definition whose references were resolved to placeholders. */
export function validateDefinition(resolvedDefinition: unknown): Violation[] {
  const errors = validateAsl(withPlaceholderArns(resolvedDefinition), { checkArn: true, checkPaths: true });
  return errors.map((error) =>
    violation('state-machine/valid-asl', 'definition', error.Message, 'be valid Amazon States Language', `fix the definition (${error['Error code']})`),
  );
}

export function validateLoggedStateMachineProps(props: LoggedStateMachineProps): Violation[] {
  const violations = checkRules('logRetentionDays', props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_RULES);
  if (props.stateMachineName !== undefined) {
    violations.push(...validateName('stateMachineName', props.stateMachineName, STATE_MACHINE_NAME_RULES));
  }
  if (props.existingRole) {
    violations.push(...validateExistingRole(props.existingRole));
  }
  return violations;
}

/**
 * A Step Functions state machine whose logging cannot fail for lack of
 * permissions (seed failure 3): its role always carries the eight
 * log-delivery actions AWS requires, the state machine waits for that policy,
 * and its log group lives under `/aws/vendedlogs/states/` with retention.
 * The definition is checked with asl-validator at synth.
 *
 * @example
 * new LoggedStateMachine(stack, 'Workflow', { definition: { StartAt: 'Run', States: { Run: { Type: 'Task', Resource: fn.functionArn, End: true } } } });
 */
export class LoggedStateMachine extends Construct implements IGrantee {
  public readonly stateMachineArn: string;
  public readonly stateMachineName: string;
  public readonly role: LeastPrivilegeRole;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly stateMachine: SfnStateMachine;
  /** The functions the definition references; only they may be invoked. */
  public readonly invokedFunctions: readonly UnreservedFunction[];

  constructor(scope: Construct, id: string, props: LoggedStateMachineProps) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    const resolvedDefinition = resolveForSynth(stack, props.definition);
    throwIfViolations('LoggedStateMachine', this, [...validateLoggedStateMachineProps(props), ...validateDefinition(resolvedDefinition)]);

    const requestedName = props.stateMachineName ?? deriveNameFor(this, 'LoggedStateMachine', NAME_KINDS.stateMachine);
    const { name, lifecycle } = guardDeployTimeName(this, 'LoggedStateMachine', 'state machine name', requestedName, STATE_MACHINE_NAME_RULES);

    this.logGroup = new CloudwatchLogGroup(this, 'LogGroup', {
      // The vendedlogs prefix keeps CloudWatch's resource policy under its size limit as state machines multiply.
      name: `/aws/vendedlogs/states/${name}`,
      retentionInDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    });

    const existing: ExistingRole | undefined = props.existingRole
      ? { roleArn: props.existingRole.roleArn, roleName: props.existingRole.roleName ?? (roleNameFromArn(props.existingRole.roleArn) as string) }
      : undefined;
    this.role = new LeastPrivilegeRole(this, 'Role', { assumedBy: 'states.amazonaws.com', existingRole: existing });
    const rolePreconditions =
      existing && (Token.isUnresolved(existing.roleArn) || Token.isUnresolved(existing.roleName))
        ? [existingRolePrecondition(this.node.path, existing)]
        : [];
    // Used by Step Functions itself to set up log delivery and traces: see ACTIONS_USED_BY_AWS_ON_BEHALF.
    this.role.addToPrincipalPolicy({ sid: 'DeliverLogs', actions: [...LOG_DELIVERY_ACTIONS], resources: ['*'] });
    this.role.addToPrincipalPolicy({ sid: 'WriteTraces', actions: [...XRAY_WRITE_ACTIONS, ...XRAY_SAMPLING_ACTIONS], resources: ['*'] });

    const definitionText = JSON.stringify(resolvedDefinition);
    this.invokedFunctions = stack.node
      .findAll()
      .filter((c): c is UnreservedFunction => c instanceof UnreservedFunction)
      .filter((fn) => [fn.functionArn, fn.functionName].some((ref) => definitionText.includes(resolvedText(stack, ref))));
    for (const fn of this.invokedFunctions) {
      fn.grantInvoke(this.role);
    }

    // Kept as a local so the definition stays plain JSON in cdk.tf.json (readable by tests and tools) and HCL-safe.
    const definition = new TerraformLocal(this, 'Definition', props.definition);
    this.stateMachine = new SfnStateMachine(this, 'StateMachine', {
      name,
      roleArn: this.role.roleArn,
      type: props.type ?? 'STANDARD',
      definition: Fn.jsonencode(definition.expression),
      loggingConfiguration: {
        level: props.logLevel ?? 'ALL',
        includeExecutionData: props.includeExecutionData ?? false,
        logDestination: `${this.logGroup.arn}:*`,
      },
      tracingConfiguration: { enabled: true },
      // Waiting on the role ARN alone races the policy attachment (terraform-aws-step-functions #55, #61).
      dependsOn: [this.role.policyDependable, this.logGroup],
      lifecycle:
        rolePreconditions.length > 0 ? { ...lifecycle, precondition: [...(lifecycle?.precondition ?? []), ...rolePreconditions] } : lifecycle,
    });
    this.stateMachineArn = this.stateMachine.arn;
    this.stateMachineName = this.stateMachine.name;
  }

  /** Lets `grantee` start executions of this state machine (and nothing else). */
  public grantStartExecution(grantee: IGrantee): void {
    grantee.addToPrincipalPolicy({
      sid: grantSid('StartExecution', this),
      actions: ['states:StartExecution'],
      resources: [this.stateMachineArn],
    });
  }

  public addToPrincipalPolicy(statement: { sid: string; actions: readonly string[]; resources: readonly string[] }): void {
    this.role.addToPrincipalPolicy(statement);
  }
}

