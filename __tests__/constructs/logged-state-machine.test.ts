import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { ConsistentTable } from '../../constructs/consistent-table';
import { defineKeySchema } from '../../constructs/key-schema';
import { LoggedStateMachine } from '../../constructs/logged-state-machine';
import { roleNameFromArn } from '../../constructs/internal/state-machine';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { LOG_DELIVERY_ACTIONS } from '../../constructs/internal/iam';
import { ECHO_ENTRY, SynthesizedStack, errorOf, guardErrorOf, newStack, onlyResource, synth } from '../helpers/stacks';

function setup() {
  const { stack } = newStack();
  const codeBucket = new SafeBucket(stack, 'LambdaCode', {});
  const called = new UnreservedFunction(stack, 'Called', { entry: ECHO_ENTRY, codeBucket });
  const bystander = new UnreservedFunction(stack, 'Bystander', { entry: ECHO_ENTRY, codeBucket });
  const definition = { StartAt: 'Run', States: { Run: { Type: 'Task', Resource: called.functionArn, End: true } } };
  return { stack, codeBucket, called, bystander, definition };
}

function roleStatements(json: SynthesizedStack, prefix: string) {
  return Object.entries(json.data.aws_iam_policy_document).find(([key]) => key.startsWith(prefix))?.[1].statement as {
    sid: string;
    actions: string[];
    resources: string[];
  }[];
}

describe('LoggedStateMachine logging permissions (seed failure 3)', () => {
  const { stack, definition } = setup();
  new LoggedStateMachine(stack, 'Workflow', { definition });
  const { text, json } = synth(stack);
  const statements = roleStatements(json, 'Workflow_Role_PolicyDocument');

  it('always grants the eight log-delivery actions on *', () => {
    const delivery = statements.find((s) => s.sid === 'DeliverLogs');
    expect(delivery?.actions).toEqual([...LOG_DELIVERY_ACTIONS]);
    expect(LOG_DELIVERY_ACTIONS).toHaveLength(8);
    expect(delivery?.resources).toEqual(['*']);
  });

  it('grants lambda:InvokeFunction only on the functions the definition calls', () => {
    const invokes = statements.filter((s) => s.actions.includes('lambda:InvokeFunction'));
    expect(invokes.map((s) => s.sid)).toEqual(['InvokeCalled']);
    expect(invokes[0].resources).toEqual([
      expect.stringMatching(/^\$\{aws_lambda_function\.Called_Function_\w+\.arn\}$/),
      expect.stringMatching(/^\$\{aws_lambda_function\.Called_Function_\w+\.arn\}:\*$/),
    ]);
  });

  it('waits for the role policy, not only the role ARN', () => {
    const machine = onlyResource(json, 'aws_sfn_state_machine');
    expect(machine.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^aws_iam_role_policy\.Workflow_Role_Policy_\w+$/)]));
  });

  it('logs ALL to its own /aws/vendedlogs/states/ group with retention, without execution data, with tracing', () => {
    expect(text).toHaveResourceWithProperties(SfnStateMachine, {
      type: 'STANDARD',
      tracing_configuration: { enabled: true },
      logging_configuration: {
        level: 'ALL',
        include_execution_data: false,
        log_destination: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.Workflow_LogGroup_\w+\.arn\}:\*$/),
      },
    });
    const groups = Object.values(json.resource.aws_cloudwatch_log_group);
    expect(groups).toContainEqual(expect.objectContaining({ name: '/aws/vendedlogs/states/TapStack-Workflow', retention_in_days: 30 }));
  });

  it('keeps the definition as plain JSON in a local, sent through jsonencode', () => {
    const machine = onlyResource(json, 'aws_sfn_state_machine');
    const localName = /^\$\{jsonencode\(local\.(\w+)\)\}$/.exec(machine.definition)?.[1];
    expect(localName).toBeDefined();
    expect(json.locals?.[localName as string]).toEqual({
      StartAt: 'Run',
      States: { Run: { Type: 'Task', Resource: expect.stringMatching(/^\$\{aws_lambda_function\.Called_Function_\w+\.arn\}$/), End: true } },
    });
  });
});

describe('LoggedStateMachine with an existing role', () => {
  it('attaches the log-delivery policy to a bare role given by ARN (the seed configuration)', () => {
    const { stack, definition } = setup();
    new LoggedStateMachine(stack, 'Workflow', {
      definition,
      existingRole: { roleArn: 'arn:aws:iam::123456789012:role/service/BareStatesRole' },
    });
    const { json } = synth(stack);
    expect(Object.values(json.resource.aws_iam_role ?? {}).filter((r) => String(r.name).includes('Workflow'))).toEqual([]);
    const attached = Object.values(json.resource.aws_iam_role_policy).find((p) => p.role === 'BareStatesRole');
    expect(attached).toBeDefined();
    expect(roleStatements(json, 'Workflow_Role_PolicyDocument').find((s) => s.sid === 'DeliverLogs')?.actions).toHaveLength(8);
    expect(onlyResource(json, 'aws_sfn_state_machine').role_arn).toBe('arn:aws:iam::123456789012:role/service/BareStatesRole');
  });

  it('fails at synth when the role name cannot be known', () => {
    const { stack, definition, bystander } = setup();
    const message = errorOf(() => new LoggedStateMachine(stack, 'Workflow', { definition, existingRole: { roleArn: bystander.role.roleArn } }));
    expect(message).toContain('[state-machine/existing-role-name]');
    expect(message).toContain('pass existingRole.roleName');
  });

  it('refuses an ARN naming one role and a roleName naming another (the policy would miss the role that runs)', () => {
    const { stack, definition } = setup();
    const message = errorOf(
      () => new LoggedStateMachine(stack, 'Workflow', { definition, existingRole: { roleArn: 'arn:aws:iam::123456789012:role/RoleA', roleName: 'RoleB' } }),
    );
    expect(message).toContain("LoggedStateMachine at 'TapStack/Workflow'");
    expect(message).toContain('[state-machine/existing-role-match]');
    expect(message).toContain('the ARN names "RoleA"');
    expect(message).toContain('set roleName to "RoleA"');
  });

  it('accepts a roleName matching the last part of an ARN with a path', () => {
    const { stack, definition } = setup();
    new LoggedStateMachine(stack, 'Workflow', { definition, existingRole: { roleArn: 'arn:aws-us-gov:iam::123456789012:role/team/a/RoleA', roleName: 'RoleA' } });
    expect(Object.values(synth(stack).json.resource.aws_iam_role_policy).some((p) => p.role === 'RoleA')).toBe(true);
  });

  it.each<[string, string]>([
    ['', 'role-name/min-length'],
    ['team/RoleA', 'role-name/charset'],
    ['Role A', 'role-name/charset'],
    ['R'.repeat(65), 'role-name/max-length'],
  ])('refuses the role name %p (IAM: 1-64 of letters, digits and +=,.@_-)', (roleName, ruleId) => {
    const { stack, definition, bystander } = setup();
    const message = errorOf(() => new LoggedStateMachine(stack, 'Workflow', { definition, existingRole: { roleArn: bystander.role.roleArn, roleName } }));
    expect(message).toContain(`[${ruleId}]`);
  });

  it('refuses a literal roleArn that is not a role ARN', () => {
    const { stack, definition } = setup();
    expect(
      errorOf(() => new LoggedStateMachine(stack, 'Workflow', { definition, existingRole: { roleArn: 'arn:aws:iam::123456789012:user/RoleA', roleName: 'RoleA' } })),
    ).toContain('[state-machine/existing-role-arn]');
  });

  it('guards a deploy-time ARN with a precondition that it ends with role/<roleName> or role/<path>/<roleName>', () => {
    const { stack, definition, bystander } = setup();
    new LoggedStateMachine(stack, 'Workflow', { definition, existingRole: { roleArn: bystander.role.roleArn, roleName: 'RoleB' } });
    const [precondition] = onlyResource(synth(stack).json, 'aws_sfn_state_machine').lifecycle.precondition;
    expect(precondition.condition).toMatch(
      /^\$\{\(endswith\((aws_iam_role\.Bystander_Role_\w+\.arn), ":role\/RoleB"\) \|\| \(strcontains\(\1, ":role\/"\) && endswith\(\1, "\/RoleB"\)\)\)\}$/,
    );
    expect(precondition.error_message).toContain("LoggedStateMachine at 'TapStack/Workflow': [state-machine/existing-role-match]");
  });

  it('guards a deploy-time roleName beside a literal ARN with the same precondition', () => {
    const { stack, definition, bystander } = setup();
    new LoggedStateMachine(stack, 'Workflow', { definition, existingRole: { roleArn: 'arn:aws:iam::123456789012:role/RoleA', roleName: bystander.role.roleName } });
    const [precondition] = onlyResource(synth(stack).json, 'aws_sfn_state_machine').lifecycle.precondition;
    expect(precondition.condition).toMatch(/^\$\{\(endswith\("arn:aws:iam::123456789012:role\/RoleA", ":role\/\$\{aws_iam_role\.Bystander_Role_\w+\.name\}"\)/);
  });

  it('adds no precondition when the ARN and the name are both literal and the provider pins the account (synth checked them)', () => {
    const { stack, definition } = setup();
    (stack.node.findChild('aws') as AwsProvider).allowedAccountIds = ['123456789012'];
    new LoggedStateMachine(stack, 'Workflow', { definition, existingRole: { roleArn: 'arn:aws:iam::123456789012:role/RoleA', roleName: 'RoleA' } });
    expect(onlyResource(synth(stack).json, 'aws_sfn_state_machine').lifecycle).toBeUndefined();
  });

  it("checks at plan only the role's account when the provider does not pin it", () => {
    const { stack, definition } = setup();
    new LoggedStateMachine(stack, 'Workflow', { definition, existingRole: { roleArn: 'arn:aws:iam::123456789012:role/RoleA', roleName: 'RoleA' } });
    const preconditions = onlyResource(synth(stack).json, 'aws_sfn_state_machine').lifecycle.precondition as { condition: string; error_message: string }[];
    expect(preconditions).toHaveLength(1);
    expect(preconditions[0].condition).toBe('${"123456789012" == data.aws_caller_identity.CallerIdentity.account_id}');
    expect(preconditions[0].error_message).toContain('[state-machine/role-account]');
  });

  it('gives each construct its own inline policy name, so two state machines sharing a role do not overwrite each other', () => {
    const { stack, definition } = setup();
    const existingRole = { roleArn: 'arn:aws:iam::123456789012:role/Shared', roleName: 'Shared' };
    new LoggedStateMachine(stack, 'First', { definition, existingRole });
    new LoggedStateMachine(stack, 'Second', { definition, existingRole });
    const onShared = Object.values(synth(stack).json.resource.aws_iam_role_policy).filter((p) => p.role === 'Shared');
    expect(onShared).toHaveLength(2);
    expect(new Set(onShared.map((p) => p.name)).size).toBe(2);
    onShared.forEach((p) => expect(p.name).toMatch(/^[\w+=,.@-]{1,128}$/));
  });

  it('parses role names from literal ARNs only', () => {
    expect(roleNameFromArn('arn:aws:iam::123456789012:role/a/b/MyRole')).toBe('MyRole');
    expect(roleNameFromArn('arn:aws:iam::123456789012:user/MyUser')).toBeUndefined();
  });
});

describe('LoggedStateMachine definition check', () => {
  it('rejects invalid ASL at synth with asl-validator', () => {
    const { stack, called } = setup();
    const message = errorOf(
      () =>
        new LoggedStateMachine(stack, 'Workflow', {
          definition: { StartAt: 'Missing', States: { Run: { Type: 'Task', Resource: called.functionArn, End: true } } },
        }),
    );
    expect(message).toContain("LoggedStateMachine at 'TapStack/Workflow'");
    expect(message).toContain('[state-machine/valid-asl]');
  });

  it('rejects an unknown state type', () => {
    const { stack } = setup();
    const message = errorOf(() => new LoggedStateMachine(stack, 'Workflow', { definition: { StartAt: 'A', States: { A: { Type: 'Teleport', End: true } } } }));
    expect(message).toContain('[state-machine/valid-asl]');
  });

  it('rejects a bad explicit name and a bad retention together', () => {
    const { stack, definition } = setup();
    const message = errorOf(() => new LoggedStateMachine(stack, 'Workflow', { definition, stateMachineName: 'has spaces', logRetentionDays: 2 }));
    expect(message).toContain('[state-machine-name/charset]');
    expect(message).toContain('[log-retention/allowed-value]');
  });
});

describe('LoggedStateMachine invoke grants: exactly the functions its Task states call, whatever made them', () => {
  const invokeStatements = (json: SynthesizedStack) =>
    roleStatements(json, 'Workflow_Role_PolicyDocument').filter((s) => s.actions.includes('lambda:InvokeFunction'));
  const validated = (stack: TerraformStack) => () => Testing.synth(stack, true);

  it('grants a plain LambdaFunction of the provider package, named by its ARN', () => {
    const { stack, codeBucket } = setup();
    const raw = new LambdaFunction(stack, 'Raw', { functionName: 'raw-fn', role: 'arn:aws:iam::123456789012:role/r', runtime: 'nodejs22.x', handler: 'index.handler', s3Bucket: codeBucket.bucketName, s3Key: 'raw.zip' });
    const machine = new LoggedStateMachine(stack, 'Workflow', { definition: { StartAt: 'Run', States: { Run: { Type: 'Task', Resource: raw.arn, End: true } } } });
    expect(machine.invokedFunctions).toHaveLength(1);
    expect(invokeStatements(synth(stack).json)).toEqual([
      { sid: 'InvokeTaskRun', effect: 'Allow', actions: ['lambda:InvokeFunction'], resources: [expect.stringMatching(/^\$\{aws_lambda_function\.Raw\.arn\}$/), expect.stringMatching(/^\$\{aws_lambda_function\.Raw\.arn\}:\*$/)] },
    ]);
  });

  it('grants imported functions and the FunctionName of lambda:invoke tasks, inside Parallel branches and Map processors too', () => {
    const { stack, called } = setup();
    const imported = UnreservedFunction.fromFunctionArn(stack, 'Orders', 'arn:aws:lambda:us-east-1:123456789012:function:orders');
    const machine = new LoggedStateMachine(stack, 'Workflow', {
      definition: {
        StartAt: 'Both',
        States: {
          Both: {
            Type: 'Parallel',
            Branches: [
              { StartAt: 'A', States: { A: { Type: 'Task', Resource: imported.functionArn, End: true } } },
              { StartAt: 'B', States: { B: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: called.functionName, 'Payload.$': '$' }, End: true } } },
            ],
            Next: 'Each',
          },
          Each: {
            Type: 'Map',
            ItemProcessor: { StartAt: 'C', States: { C: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { FunctionName: 'named-elsewhere' }, End: true } } },
            End: true,
          },
        },
      },
    });
    expect(machine.invokedFunctions.map((fn) => fn.node.path)).toEqual(['TapStack/Orders', 'TapStack/Called', 'TapStack/Workflow/TaskEachC']);
    const resources = invokeStatements(synth(stack).json).flatMap((s) => s.resources);
    expect(resources).toEqual(expect.arrayContaining([
      'arn:aws:lambda:us-east-1:123456789012:function:orders',
      expect.stringMatching(/^\$\{aws_lambda_function\.Called_Function_\w+\.arn\}$/),
      'arn:${data.aws_partition.Partition.partition}:lambda:us-east-1:${data.aws_caller_identity.CallerIdentity.account_id}:function:named-elsewhere',
    ]));
    expect(resources.some((r) => r.includes('Bystander'))).toBe(false);
  });

  it('refuses at synth a Task whose function is chosen at run time, unless the functions are listed', () => {
    const { stack, called, bystander } = setup();
    const definition = { StartAt: 'Pick', States: { Pick: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Parameters: { 'FunctionName.$': '$.fn' }, End: true } } };
    const error = guardErrorOf(() => new LoggedStateMachine(stack, 'Workflow', { definition }));
    expect(error.violations).toEqual([expect.objectContaining({ ruleId: 'state-machine/task-function-known', field: 'States.Pick.Parameters.FunctionName' })]);
    const listed = new LoggedStateMachine(stack, 'Listed', { definition, invokedFunctions: [called, bystander] });
    expect(listed.invokedFunctions).toEqual([called, bystander]);
  });

  it('refuses a function the definition names that the list leaves out', () => {
    const { stack, definition, bystander } = setup();
    const error = guardErrorOf(() => new LoggedStateMachine(stack, 'Workflow', { definition, invokedFunctions: [bystander] }));
    expect(error.violations).toEqual([expect.objectContaining({ ruleId: 'state-machine/unlisted-function', field: 'States.Run.Resource' })]);
  });

  it('refuses a Task resource that is neither a function, a service integration nor an activity', () => {
    const { stack } = setup();
    const target = new TerraformVariable(stack, 'target', { type: 'string' });
    const error = guardErrorOf(
      () => new LoggedStateMachine(stack, 'Workflow', { definition: { StartAt: 'Run', States: { Run: { Type: 'Task', Resource: target.stringValue, End: true } } } }),
    );
    expect(error.violations).toEqual([expect.objectContaining({ ruleId: 'state-machine/task-resource', field: 'States.Run.Resource', value: '${var.target}' })]);
  });

  it('stops synth when a service integration task was never granted, and passes once it is', () => {
    const { stack } = setup();
    const table = new ConsistentTable(stack, 'Jobs', { schema: defineKeySchema({ primary: { partitionKey: { name: 'pk', type: 'S' } } }) });
    const machine = new LoggedStateMachine(stack, 'Workflow', {
      definition: { StartAt: 'Put', States: { Put: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', Parameters: { TableName: table.tableName, Item: {} }, End: true } } },
    });
    const message = errorOf(validated(stack));
    expect(message).toContain('[TapStack/Workflow] LoggedStateMachine has 1 problem:');
    expect(message).toContain('[state-machine/service-task-granted] States.Put "dynamodb:PutItem" must be granted to the state machine');
    table.grant(machine, 'dynamodb:PutItem');
    expect(validated(stack)).not.toThrow();
  });
});
