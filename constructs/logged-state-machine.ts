import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { Fn, Op, Precondition, TerraformLocal, TerraformStack, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { IFunction, ImportedFunction } from './function-ref';
import { AddToPrincipalPolicyResult, Grant, IGrantee, PolicyStatement } from './grant';
import { ExistingRole, LeastPrivilegeRole } from './least-privilege-role';
import { IStateMachine, ImportedStateMachine, grantStartExecutionOn } from './state-machine-ref';
import { installDeploymentChecks } from './internal/deployment-guard';
import { LOG_DELIVERY_ACTIONS, XRAY_SAMPLING_ACTIONS, XRAY_WRITE_ACTIONS } from './internal/iam';
import { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_RULES } from './internal/log-retention';
import { NAME_KINDS, STATE_MACHINE_NAME_RULES, deriveNameFor, guardDeployTimeName, validateName } from './internal/name-rules';
import { TaskState, roleNameFromArn, serviceIntegrationAction, taskStatesOf, validateDefinition, validateExistingRole } from './internal/state-machine';
import { resolveForSynth, resolvedText } from './internal/synthesized';
import { Violation, checkRules, formatValidation, throwIfViolations, violation } from './internal/validation';

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

export interface LoggedStateMachineProps {
  /**
   * The Amazon States Language definition, as an object. It may hold
   * references such as `fn.functionArn`. Each Task state calls a Lambda
   * function (its `Resource`, or the `FunctionName` of `arn:<partition>:states:::lambda:invoke`),
   * a service integration, or an activity; see `invokedFunctions` for what the role may invoke.
   */
  readonly definition: Readonly<Record<string, unknown>>;
  /**
   * The functions the state machine invokes: the role gets `lambda:InvokeFunction` on exactly
   * these. Give them when a Task picks its function at run time (`FunctionName.$`); every
   * function the definition names must then be among them.
   * @default the functions the definition's Task states name, whatever made them
   * (an {@link UnreservedFunction}, an import, a plain `LambdaFunction`); a Task whose
   * function cannot be told from the definition stops synth
   */
  readonly invokedFunctions?: readonly IFunction[];
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

function validateLoggedStateMachineProps(props: LoggedStateMachineProps): Violation[] {
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
 * Its role may invoke exactly the functions its Task states call (or the
 * `invokedFunctions` listed), whatever made them; a Task whose target it cannot
 * tell stops synth. Service integrations (`arn:<partition>:states:::dynamodb:updateItem`, ...)
 * are granted by their resource's construct (`table.grant(machine, 'dynamodb:UpdateItem')`);
 * for DynamoDB, SNS, SQS, EventBridge and Step Functions, synth checks on the
 * final tree that the role holds the action each Task calls.
 *
 * @example
 * new LoggedStateMachine(stack, 'Workflow', { definition: { StartAt: 'Run', States: { Run: { Type: 'Task', Resource: fn.functionArn, End: true } } } });
 */
export class LoggedStateMachine extends Construct implements IStateMachine, IGrantee {
  /** A state machine that exists outside this app, by ARN (a literal ARN is checked at synth). */
  public static fromStateMachineArn(scope: Construct, id: string, stateMachineArn: string): IStateMachine {
    return new ImportedStateMachine(scope, id, stateMachineArn);
  }

  public readonly stateMachineArn: string;
  public readonly stateMachineName: string;
  public readonly role: LeastPrivilegeRole;
  public readonly logGroup: CloudwatchLogGroup;
  public readonly stateMachine: SfnStateMachine;
  /** The functions the role may invoke (`lambda:InvokeFunction`), and nothing else. */
  public readonly invokedFunctions: readonly IFunction[];
  /** The service integrations the Task states call, each with the action the role must be granted (checked on the final tree). */
  private readonly serviceActions: readonly { readonly state: string; readonly action: string }[];

  constructor(scope: Construct, id: string, props: LoggedStateMachineProps) {
    super(scope, id);
    const stack = TerraformStack.of(this);
    const resolvedDefinition = resolveForSynth(stack, props.definition);
    const tasks = taskStatesOf(stack, props.definition);
    throwIfViolations('LoggedStateMachine', this, [
      ...validateLoggedStateMachineProps(props),
      ...validateDefinition(resolvedDefinition),
      ...taskViolations(tasks, props.invokedFunctions !== undefined),
    ]);
    // The final tree is checked too: the role the state machine runs as (overrides included) must get the log-delivery actions.
    installDeploymentChecks(this);

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

    this.invokedFunctions = this.functionsToInvoke(tasks, props.invokedFunctions);
    for (const fn of this.invokedFunctions) {
      fn.grantInvoke(this.role);
    }
    this.serviceActions = tasks.flatMap((task) => {
      const action = task.call.kind === 'service' ? serviceIntegrationAction(task.call.service, task.call.action) : undefined;
      return action ? [{ state: task.state, action }] : [];
    });
    // An existing role may hold the service permissions in policies this construct cannot see.
    if (!existing) this.node.addValidation({ validate: () => this.ungrantedServiceActions() });

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
  public grantStartExecution(grantee: IGrantee): Grant {
    return grantStartExecutionOn(this, grantee);
  }

  /** Adds a statement to the state machine's role (what its Task states may call). */
  public addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    return this.role.addToPrincipalPolicy(statement);
  }

  /**
   * The functions to grant invoke on: the listed ones, else one per function the Task
   * states name: a function of this stack when the definition references it, else a
   * reference made from the Task's own ARN or name (a plain `LambdaFunction`, another
   * stack's or account's function).
   */
  private functionsToInvoke(tasks: readonly TaskState[], listed: readonly IFunction[] | undefined): IFunction[] {
    const stack = TerraformStack.of(this);
    const candidates = listed ?? stack.node.findAll().filter(isFunction);
    const invoked = new Map<string, IFunction>(listed?.map((fn) => [resolvedText(stack, fn.functionArn), fn]));
    const unlisted: Violation[] = [];
    for (const task of tasks) {
      if (task.call.kind !== 'function') continue;
      const target = resolvedText(stack, task.call.target);
      const found = candidates.find((fn) => resolvedText(stack, task.call.kind === 'function' && task.call.byName ? fn.functionName : fn.functionArn) === target);
      if (found) {
        invoked.set(resolvedText(stack, found.functionArn), found);
      } else if (listed) {
        unlisted.push(
          violation(
            'state-machine/unlisted-function',
            `States.${task.state}.${task.field}`,
            target,
            'name one of invokedFunctions: the role may invoke only those',
            'add the function to invokedFunctions, or leave invokedFunctions out to derive it from the definition',
          ),
        );
      } else if (![...invoked.keys()].includes(target)) {
        const id = uniqueChildId(this, `Task${task.state.replace(/[^A-Za-z0-9]/g, '')}`);
        const imported = task.call.byName ? ImportedFunction.fromName(this, id, task.call.target) : ImportedFunction.fromArn(this, id, task.call.target);
        invoked.set(target, imported);
      }
    }
    throwIfViolations('LoggedStateMachine', this, unlisted);
    return [...invoked.values()];
  }

  /** Service integrations whose action the role was not granted by the end of synth (it would fail at run time). */
  private ungrantedServiceActions(): string[] {
    const granted = new Set(this.role.grantedStatements.flatMap((s) => s.actions));
    const missing = this.serviceActions
      .filter(({ action }) => !granted.has(action))
      .map(({ state, action }) =>
        violation(
          'state-machine/service-task-granted',
          `States.${state}`,
          action,
          'be granted to the state machine: its role is asked for permissions through grant methods',
          `grant it through the resource's construct, e.g. table.grant(machine, '${action}') or topic.grantPublish(machine)`,
        ),
      );
    return missing.length > 0 ? [formatValidation('LoggedStateMachine', missing)] : [];
  }
}

/** Task states the construct cannot grant: an unknown resource, or (without a list) a function chosen at run time. */
function taskViolations(tasks: readonly TaskState[], listed: boolean): Violation[] {
  return tasks.flatMap((task) => {
    if (task.call.kind === 'unknown') {
      return [
        violation(
          'state-machine/task-resource',
          `States.${task.state}.Resource`,
          task.resolvedResource,
          'be a Lambda function ARN, a service integration (arn:<partition>:states:::<service>:<action>) or an activity ARN',
          'reference the function (fn.functionArn) or the integration the task calls',
        ),
      ];
    }
    if (task.call.kind === 'function-at-run-time' && !listed) {
      return [
        violation(
          'state-machine/task-function-known',
          `States.${task.state}.${task.field}`,
          '(chosen at run time)',
          'name the function it invokes, so the role can be granted exactly that',
          'list every function the task may pick in invokedFunctions',
        ),
      ];
    }
    return [];
  });
}

/** `base`, or `base2`, `base3`... when a child of `scope` has it already (state names differing only in punctuation). */
function uniqueChildId(scope: IConstruct, base: string): string {
  let id = base;
  for (let n = 2; scope.node.tryFindChild(id); n += 1) id = `${base}${n}`;
  return id;
}

/** Anything that is a function to invoke: constructs implementing IFunction, whoever made them. */
function isFunction(construct: IConstruct): construct is IFunction {
  const candidate = construct as Partial<IFunction>;
  return typeof candidate.functionArn === 'string' && typeof candidate.grantInvoke === 'function' && typeof candidate.functionName === 'string';
}
