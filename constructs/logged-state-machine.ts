import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { DefaultTokenResolver, Fn, StringConcat, TerraformLocal, TerraformStack, Token, Tokenization } from 'cdktf';
import { Construct } from 'constructs';
import { IGrantee, LeastPrivilegeRole, grantSid } from './least-privilege-role';
import { UnreservedFunction } from './unreserved-function';
import { validateAsl } from './internal/asl-validation';
import { LOG_DELIVERY_ACTIONS, XRAY_SAMPLING_ACTIONS, XRAY_WRITE_ACTIONS } from './internal/iam';
import { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_RULES } from './internal/log-retention';
import { NameRule, guardDeployTimeName, validateName } from './internal/name-rules';
import { deriveResourceName } from './internal/naming';
import { Violation, checkRules, throwIfViolations, violation } from './internal/validation';

export const STATE_MACHINE_NAME_RULES: readonly NameRule[] = [
  {
    id: 'state-machine-name/min-length',
    requirement: 'not be empty',
    fix: 'give a name, or omit stateMachineName and let LoggedStateMachine derive one',
    constraint: { kind: 'minLength', min: 1 },
    checkableWhenPartial: false,
  },
  {
    id: 'state-machine-name/max-length',
    requirement: 'be at most 80 characters long',
    fix: 'shorten the name',
    constraint: { kind: 'maxLength', max: 80 },
  },
  {
    id: 'state-machine-name/charset',
    requirement: "contain only letters, digits, '-' and '_'",
    fix: 'replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9_-]*$' },
  },
];

/** An existing role; its name is needed to attach the log-delivery policy to it. */
export interface ExistingStateMachineRole {
  readonly roleArn: string;
  /**
   * @default parsed from a literal `roleArn`; required when the ARN is only known at deploy time
   */
  readonly roleName?: string;
}

export interface LoggedStateMachineProps {
  /**
   * The Amazon States Language definition, as an object. It may hold
   * references such as `fn.functionArn`; every {@link UnreservedFunction} it
   * references gets `lambda:InvokeFunction` on the role, and nothing else does.
   */
  readonly definition: Readonly<Record<string, unknown>>;
  /**
   * The exact name; validated, never rewritten.
   * @default `<stack name>-<construct id>`, normalised
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

/** A role name from a literal role ARN (`arn:aws:iam::<account>:role/<path/>name`). */
export function roleNameFromArn(roleArn: string): string | undefined {
  if (Token.isUnresolved(roleArn)) return undefined;
  return /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn)?.[1];
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
  const role = props.existingRole;
  if (role && role.roleName === undefined && roleNameFromArn(role.roleArn) === undefined) {
    violations.push(
      violation(
        'state-machine/existing-role-name',
        'existingRole',
        Token.isUnresolved(role.roleArn) ? '(an ARN known only at deploy time)' : role.roleArn,
        'let the construct attach the log-delivery policy, which needs the role name',
        'pass existingRole.roleName as well (without the log-delivery actions, AWS rejects the state machine)',
      ),
    );
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
    const resolvedDefinition = Tokenization.resolve(props.definition, {
      scope: stack,
      resolver: new DefaultTokenResolver(new StringConcat()),
    });
    throwIfViolations('LoggedStateMachine', this, [...validateLoggedStateMachineProps(props), ...validateDefinition(resolvedDefinition)]);

    const requestedName =
      props.stateMachineName ??
      deriveResourceName(stack.node.id, id, 80);
    const { name, lifecycle } = guardDeployTimeName(this, 'LoggedStateMachine', 'state machine name', requestedName, STATE_MACHINE_NAME_RULES);

    this.logGroup = new CloudwatchLogGroup(this, 'LogGroup', {
      // The vendedlogs prefix keeps CloudWatch's resource policy under its size limit as state machines multiply.
      name: `/aws/vendedlogs/states/${name}`,
      retentionInDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    });

    const existing = props.existingRole;
    this.role = new LeastPrivilegeRole(this, 'Role', {
      assumedBy: 'states.amazonaws.com',
      existingRole: existing
        ? { roleArn: existing.roleArn, roleName: existing.roleName ?? (roleNameFromArn(existing.roleArn) as string) }
        : undefined,
    });
    // Used by Step Functions itself to set up log delivery and traces: see ACTIONS_USED_BY_AWS_ON_BEHALF.
    this.role.addToPrincipalPolicy({ sid: 'DeliverLogs', actions: [...LOG_DELIVERY_ACTIONS], resources: ['*'] });
    this.role.addToPrincipalPolicy({ sid: 'WriteTraces', actions: [...XRAY_WRITE_ACTIONS, ...XRAY_SAMPLING_ACTIONS], resources: ['*'] });

    const definitionText = JSON.stringify(resolvedDefinition);
    this.invokedFunctions = stack.node
      .findAll()
      .filter((c): c is UnreservedFunction => c instanceof UnreservedFunction)
      .filter((fn) => [fn.functionArn, fn.functionName].some((ref) => definitionText.includes(resolveText(stack, ref))));
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
      lifecycle,
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

function resolveText(stack: TerraformStack, value: string): string {
  return String(Tokenization.resolve(value, { scope: stack, resolver: new DefaultTokenResolver(new StringConcat()) }));
}
