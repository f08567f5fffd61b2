import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { IamRolePolicyAttachmentsExclusive } from '@cdktf/provider-aws/lib/iam-role-policy-attachments-exclusive';
import { IamRolePoliciesExclusive } from '@cdktf/provider-aws/lib/iam-role-policies-exclusive';
import { SfnStateMachine } from '@cdktf/provider-aws/lib/sfn-state-machine';
import { Fn, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { LoggedStateMachine, SafeBucket, UnreservedFunction, installDeploymentChecks } from '../../../../constructs';
import { checkDeployment } from '../../../../constructs/internal/deployment-checks';
import { DeploymentDocument } from '../../../../constructs/internal/deployment-document';
import { ROLE_ARN_REFERENCE } from '../../../../constructs/internal/deployment-checks/state-machine-roles';
import { LOG_DELIVERY_ACTIONS } from '../../../../constructs/internal/iam';
import fc from 'fast-check';
import { ECHO_ENTRY, errorOf, newStack } from '../../../helpers/stacks';

const DEFINITION = { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } };
const ACCOUNT = '111111111111';
const policy = (actions: readonly string[], resource = '*') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] });

/** A stack pinned to ACCOUNT, with the deployment check, and a logging state machine of the provider package. */
function rawMachine(roleArn: (stack: TerraformStack) => string, logging = true) {
  const stack = new TerraformStack(Testing.app(), 'Raw');
  new AwsProvider(stack, 'aws', { region: 'us-east-1', allowedAccountIds: [ACCOUNT] });
  installDeploymentChecks(stack);
  const machine = new SfnStateMachine(stack, 'Machine', {
    name: 'machine',
    roleArn: roleArn(stack),
    definition: JSON.stringify(DEFINITION),
    loggingConfiguration: logging ? { level: 'ALL', includeExecutionData: false, logDestination: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:x:*` } : undefined,
  });
  return { stack, machine };
}

const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'states.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

describe("a logging state machine's role, as the final JSON says", () => {
  function logged() {
    const { stack } = newStack();
    const workflow = new LoggedStateMachine(stack, 'Workflow', { definition: DEFINITION });
    return { stack, workflow };
  }

  it("refuses a role_arn overridden to a role without the log-delivery actions, and accepts another logging machine's role", () => {
    const { stack, workflow } = logged();
    const fn = new UnreservedFunction(stack, 'Fn', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'Code') });
    workflow.stateMachine.addOverride('role_arn', fn.role.roleArn);
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain("at 'TapStack/Workflow/StateMachine' has 1 problem");
    expect(message).toContain(`[state-machine/log-delivery-permissions] role_arn "\${aws_iam_role.Fn_Role_`);
    expect(message).toContain(`missing: ${LOG_DELIVERY_ACTIONS.join(', ')}`);
    const other = new LoggedStateMachine(stack, 'Other', { definition: DEFINITION });
    workflow.stateMachine.addOverride('role_arn', other.role.roleArn);
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('refuses the log-delivery policy replaced by an override, naming what it lacks, and accepts logs:* on *', () => {
    const { stack, workflow } = logged();
    const attached = workflow.role.node.findChild('Policy') as IamRolePolicy;
    attached.addOverride('policy', policy(['xray:PutTraceSegments', 'logs:CreateLogDelivery']));
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain(`missing: ${LOG_DELIVERY_ACTIONS.filter((a) => a !== 'logs:CreateLogDelivery').join(', ')}`);
    attached.addOverride('policy', policy(['logs:*']));
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('reads an inline policy, a role policy, an attached managed policy and a policy document of a plain state machine', () => {
    const inline = rawMachine((s) => new IamRole(s, 'Role', { name: 'inline', assumeRolePolicy: trust, inlinePolicy: [{ name: 'logs', policy: policy(LOG_DELIVERY_ACTIONS) }] }).arn);
    expect(() => Testing.synth(inline.stack, true)).not.toThrow();

    const attachedRole = (s: TerraformStack) => new IamRole(s, 'Role', { name: 'attached', assumeRolePolicy: trust });
    const viaDocument = rawMachine((s) => {
      const role = attachedRole(s);
      const document = new DataAwsIamPolicyDocument(s, 'Doc', { statement: [{ actions: [...LOG_DELIVERY_ACTIONS], resources: ['*'] }] });
      new IamRolePolicy(s, 'Logs', { role: role.name, policy: document.json });
      return role.arn;
    });
    expect(() => Testing.synth(viaDocument.stack, true)).not.toThrow();

    const viaManaged = rawMachine((s) => {
      const role = attachedRole(s);
      const managed = new IamPolicy(s, 'Managed', { name: 'logs', policy: policy(LOG_DELIVERY_ACTIONS) });
      new IamRolePolicyAttachment(s, 'Attach', { role: role.name, policyArn: managed.arn });
      return role.arn;
    });
    expect(() => Testing.synth(viaManaged.stack, true)).not.toThrow();
  });

  it('names a missing action, and a policy it cannot read, of a plain state machine', () => {
    const missingOne = rawMachine((s) => new IamRole(s, 'Role', { name: 'r', assumeRolePolicy: trust, inlinePolicy: [{ name: 'logs', policy: policy(LOG_DELIVERY_ACTIONS.slice(1)) }] }).arn);
    expect(errorOf(() => Testing.synth(missingOne.stack, true))).toContain('missing: logs:CreateLogDelivery (policies read: aws_iam_role.Role.inline_policy[0])');

    const unreadable = rawMachine((s) => {
      const role = new IamRole(s, 'Role', { name: 'r', assumeRolePolicy: trust });
      new IamRolePolicy(s, 'Logs', { role: role.name, policy: Fn.jsonencode({ Statement: [] }) });
      return role.arn;
    });
    expect(errorOf(() => Testing.synth(unreadable.stack, true))).toContain('not read (neither a JSON literal nor a data.aws_iam_policy_document of the stack): aws_iam_role_policy.Logs');
  });

  it('does not ask a state machine without logging for the log-delivery actions', () => {
    const quiet = rawMachine((s) => new IamRole(s, 'Role', { name: 'r', assumeRolePolicy: trust }).arn, false);
    expect(() => Testing.synth(quiet.stack, true)).not.toThrow();
  });
});

describe('an existing role given by ARN', () => {
  it("refuses a role of another account than the provider's allowed account, and accepts one of that account", () => {
    const build = (account: string) => {
      const { stack } = newStack();
      (stack.node.findChild('aws') as AwsProvider).allowedAccountIds = [ACCOUNT];
      new LoggedStateMachine(stack, 'Workflow', { definition: DEFINITION, existingRole: { roleArn: `arn:aws:iam::${account}:role/BareStatesRole` } });
      return stack;
    };
    const message = errorOf(() => Testing.synth(build('222222222222'), true));
    expect(message).toContain('[state-machine/role-account] role_arn "arn:aws:iam::222222222222:role/BareStatesRole" must name a role of the account the state machine deploys to (111111111111)');
    expect(() => Testing.synth(build(ACCOUNT), true)).not.toThrow();
  });

  it("refuses a role name parsed from the ARN that IAM would refuse (over 64 characters), at once and on the final tree; 64 pass", () => {
    const { stack } = newStack();
    const arn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/team/${name}`;
    expect(errorOf(() => new LoggedStateMachine(stack, 'Long', { definition: DEFINITION, existingRole: { roleArn: arn('R'.repeat(65)) } }))).toContain('[role-name/max-length]');
    new LoggedStateMachine(stack, 'Edge', { definition: DEFINITION, existingRole: { roleArn: arn('R'.repeat(64)) } });
    expect(() => Testing.synth(stack, true)).not.toThrow();

    const raw = rawMachine((s) => {
      new IamRolePolicy(s, 'Logs', { role: 'R'.repeat(65), policy: policy(LOG_DELIVERY_ACTIONS) });
      return arn('R'.repeat(65));
    });
    expect(errorOf(() => Testing.synth(raw.stack, true))).toContain(`[role-name/max-length] role_arn (its role name) "${'R'.repeat(65)}"`);
  });

  it("checks the account at plan when the provider does not pin it", () => {
    const { stack } = newStack();
    new LoggedStateMachine(stack, 'Workflow', { definition: DEFINITION, existingRole: { roleArn: `arn:aws:iam::${ACCOUNT}:role/Bare` } });
    expect(() => Testing.synth(stack, true)).not.toThrow();
    const machine = Object.values((JSON.parse(Testing.synth(stack)) as { resource: { aws_sfn_state_machine: Record<string, { lifecycle: { precondition: { condition: string }[] } }> } }).resource.aws_sfn_state_machine)[0];
    expect(machine.lifecycle.precondition.map((p) => p.condition)).toEqual([`\${"${ACCOUNT}" == data.aws_caller_identity.CallerIdentity.account_id}`]);
  });
});

describe('a role ARN known only at deploy time', () => {
  it('is refused when no role of the stack gets the log-delivery actions, and checked at plan against those that do', () => {
    const bare = rawMachine((s) => new TerraformVariable(s, 'role', { type: 'string' }).stringValue);
    expect(errorOf(() => Testing.synth(bare.stack, true))).toContain('[state-machine/log-delivery-permissions] role_arn "${var.role}"');

    const withCandidate = rawMachine((s) => {
      new IamRolePolicy(s, 'Logs', { role: 'states-role', policy: policy(LOG_DELIVERY_ACTIONS) });
      return new TerraformVariable(s, 'role', { type: 'string' }).stringValue;
    });
    expect(() => Testing.synth(withCandidate.stack, true)).not.toThrow();
    const machine = (JSON.parse(Testing.synth(withCandidate.stack)) as { resource: { aws_sfn_state_machine: { Machine: { lifecycle: { precondition: { condition: string; error_message: string }[] } } } } }).resource.aws_sfn_state_machine.Machine;
    expect(machine.lifecycle.precondition[0].condition).toBe('${contains([for name in ["states-role"] : lower(name)], lower(regex("[^/]+$", (var.role))))}');
    expect(machine.lifecycle.precondition[0].error_message).toContain('[state-machine/log-delivery-role]');
  });
});

describe('a state machine in a plan (values resolved)', () => {
  const plan = (roleArn: string, callerAccount: string): DeploymentDocument => ({
    valuesResolved: true,
    stacks: [
      {
        name: 'plan',
        json: {
          provider: { aws: [{ region: 'us-east-1' }] },
          data: { aws_caller_identity: { me: { account_id: callerAccount } } },
          resource: {
            aws_iam_role_policy: { logs: { role: 'Bare', policy: policy(LOG_DELIVERY_ACTIONS) } },
            aws_sfn_state_machine: { m: { name: 'm', role_arn: roleArn, logging_configuration: [{ level: 'ALL', log_destination: 'arn:aws:logs:us-east-1:1:log-group:x:*' }] } },
          },
        },
      },
    ],
  });

  it("reads the deploying account from the plan's caller identity when the provider does not pin it", () => {
    expect(checkDeployment(plan('arn:aws:iam::222222222222:role/Bare', ACCOUNT)).map((v) => v.ruleId)).toEqual(['state-machine/role-account']);
    expect(checkDeployment(plan(`arn:aws:iam::${ACCOUNT}:role/Bare`, ACCOUNT))).toEqual([]);
  });

  it('refuses a role ARN known only after apply that names no role of the plan', () => {
    expect(checkDeployment(plan('${aws_iam_role.elsewhere.arn}', ACCOUNT)).map((v) => v.ruleId)).toEqual(['state-machine/log-delivery-role']);
  });

  it('reads a role reference with an instance index or key as that instance\'s address, and nothing else as a role', () => {
    const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,20}$/);
    const key = fc.oneof(fc.constant(''), fc.nat({ max: 1000 }).map((i) => `[${i}]`), fc.string({ maxLength: 8 }).map((k) => `[${JSON.stringify(k)}]`));
    fc.assert(
      fc.property(name, key, (n, k) => {
        const match = ROLE_ARN_REFERENCE.exec(`aws_iam_role.${n}${k}.arn`);
        return match !== null && match[1] === `aws_iam_role.${n}${k}` && match[2] === n;
      }),
    );
    for (const other of ['aws_iam_role.r.id', 'aws_iam_role.r[0]', 'aws_iam_role.r[each.key].arn', 'aws_iam_role.r[0].arn.x', 'aws_iam_policy.r.arn', 'module.roles.arn']) {
      expect(ROLE_ARN_REFERENCE.exec(other)).toBeNull();
    }
  });
});

describe('issue 18 regressions: the log-delivery policy must reach the role the state machine runs as', () => {
  const OTHER_ACCOUNT = '222222222222';
  function logged() {
    const stack = new TerraformStack(Testing.app(), 'Pinned');
    new AwsProvider(stack, 'aws', { region: 'us-east-1', allowedAccountIds: [ACCOUNT] });
    const workflow = new LoggedStateMachine(stack, 'Workflow', { definition: DEFINITION });
    return { stack, workflow, attached: workflow.role.node.findChild('Policy') as IamRolePolicy };
  }

  it('refuses the log-delivery policy overridden to count = 0 (never created), and accepts count = 1', () => {
    const { stack, attached } = logged();
    attached.addOverride('count', 0);
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain("at 'Pinned/Workflow/StateMachine' has 1 problem");
    expect(message).toContain('[state-machine/log-delivery-permissions] role_arn "${aws_iam_role.Workflow_Role_');
    expect(message).toMatch(/attached but not counted: aws_iam_role_policy\.Workflow_Role_Policy_\w+ \(its count or for_each creates no instance\)/);
    expect(message).toContain('Fix: attach a policy granting them to the role the state machine runs as');
    attached.addOverride('count', 1);
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('refuses a policy whose count is known only at deploy time, which may create none', () => {
    const { stack, attached } = logged();
    new TerraformVariable(stack, 'enabled', { type: 'bool' });
    attached.addOverride('count', '${var.enabled ? 1 : 0}');
    expect(errorOf(() => Testing.synth(stack, true))).toContain('(its count or for_each (var.enabled ? 1 : 0) is known only at deploy time)');
  });

  it("refuses the policy moved to a provider of another account (addOverride('provider', 'aws.other')), and accepts an alias of the same account", () => {
    const build = (account: string) => {
      const { stack, attached } = logged();
      new AwsProvider(stack, 'other', { alias: 'other', region: 'eu-west-1', allowedAccountIds: [account] });
      attached.addOverride('provider', 'aws.other');
      return stack;
    };
    expect(errorOf(() => Testing.synth(build(OTHER_ACCOUNT), true))).toMatch(/attached but not counted: aws_iam_role_policy\.Workflow_Role_Policy_\w+ \(it deploys through aws\.other, another account than the role's\)/);
    expect(() => Testing.synth(build(ACCOUNT), true)).not.toThrow();
  });

  it('does not count an Allow with a Condition as the grant, and accepts the same statement without it', () => {
    const { stack, attached } = logged();
    const statement = { Effect: 'Allow', Action: 'logs:*', Resource: '*' };
    attached.addOverride('policy', JSON.stringify({ Version: '2012-10-17', Statement: [{ ...statement, Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-south-2' } } }] }));
    expect(errorOf(() => Testing.synth(stack, true))).toContain(`missing: ${LOG_DELIVERY_ACTIONS.join(', ')}`);
    attached.addOverride('policy', JSON.stringify({ Version: '2012-10-17', Statement: [statement] }));
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it("refuses a role resource created through another account's provider, and accepts it through the machine's", () => {
    const build = (account: string) => {
      const { stack } = rawMachine((s) => {
        const other = new AwsProvider(s, 'other', { alias: 'other', region: 'us-east-1', allowedAccountIds: [account] });
        const role = new IamRole(s, 'Role', { name: 'states', assumeRolePolicy: trust, provider: other });
        new IamRolePolicy(s, 'Logs', { role: role.name, policy: policy(LOG_DELIVERY_ACTIONS), provider: other });
        return role.arn;
      });
      return stack;
    };
    const message = errorOf(() => Testing.synth(build(OTHER_ACCOUNT), true));
    expect(message).toContain("aws_sfn_state_machine.Machine at 'Raw/Machine' has 1 problem");
    expect(message).toContain(
      '[state-machine/role-account] role_arn "${aws_iam_role.Role.arn}" must name a role of the account the state machine deploys to (111111111111, through aws): aws_iam_role.Role is created through aws.other, in account 222222222222',
    );
    expect(() => Testing.synth(build(ACCOUNT), true)).not.toThrow();
  });

  it("refuses an existing role of another account than the one a provider's assume_role ARN reaches, and accepts one of it", () => {
    const build = (account: string) => {
      const stack = new TerraformStack(Testing.app(), 'Assumed');
      new AwsProvider(stack, 'aws', { region: 'us-east-1', assumeRole: [{ roleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/deploy` }] });
      new LoggedStateMachine(stack, 'Workflow', { definition: DEFINITION, existingRole: { roleArn: `arn:aws:iam::${account}:role/States` } });
      return stack;
    };
    const message = errorOf(() => Testing.synth(build(ACCOUNT), true));
    expect(message).toContain("at 'Assumed/Workflow/StateMachine' has 1 problem");
    expect(message).toContain(`[state-machine/role-account] role_arn "arn:aws:iam::${ACCOUNT}:role/States" must name a role of the account the state machine deploys to (${OTHER_ACCOUNT})`);
    expect(message).toContain(`Fix: use a role of account ${OTHER_ACCOUNT}`);
    expect(() => Testing.synth(build(OTHER_ACCOUNT), true)).not.toThrow();
  });
});

describe('exclusive management of a role\'s policies removes the log-delivery policy at apply', () => {
  function logged() {
    const stack = new TerraformStack(Testing.app(), 'Exclusive');
    new AwsProvider(stack, 'aws', { region: 'us-east-1', allowedAccountIds: [ACCOUNT] });
    const workflow = new LoggedStateMachine(stack, 'Workflow', { definition: DEFINITION });
    return { stack, workflow, attached: workflow.role.node.findChild('Policy') as IamRolePolicy };
  }

  it('refuses aws_iam_role_policies_exclusive on the role without the log-delivery policy, and accepts it listed by reference or by name', () => {
    const { stack, workflow, attached } = logged();
    const exclusive = new IamRolePoliciesExclusive(stack, 'OnlyListed', { roleName: workflow.role.roleName, policyNames: [] });
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain("at 'Exclusive/Workflow/StateMachine' has 1 problem");
    expect(message).toContain('[state-machine/log-delivery-permissions]');
    expect(message).toContain('aws_iam_role_policies_exclusive.OnlyListed removes it at apply: its policy_names does not list it');
    exclusive.policyNames = [attached.name];
    expect(() => Testing.synth(stack, true)).not.toThrow();
    exclusive.addOverride('policy_names', [JSON.parse(Testing.synth(stack)).resource.aws_iam_role_policy[attached.friendlyUniqueId].name]);
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });

  it('refuses aws_iam_role_policy_attachments_exclusive on the role without the attached log-delivery policy, and accepts it listed', () => {
    const stack = new TerraformStack(Testing.app(), 'Attached');
    new AwsProvider(stack, 'aws', { region: 'us-east-1', allowedAccountIds: [ACCOUNT] });
    const role = new IamRole(stack, 'Role', { name: 'states', assumeRolePolicy: trust });
    const delivery = new IamPolicy(stack, 'Delivery', { name: 'delivery', policy: policy(LOG_DELIVERY_ACTIONS) });
    new IamRolePolicyAttachment(stack, 'Attach', { role: role.name, policyArn: delivery.arn });
    installDeploymentChecks(stack);
    new SfnStateMachine(stack, 'Machine', {
      name: 'machine',
      roleArn: role.arn,
      definition: JSON.stringify(DEFINITION),
      loggingConfiguration: { level: 'ERROR', includeExecutionData: false, logDestination: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:x:*` },
    });
    const exclusive = new IamRolePolicyAttachmentsExclusive(stack, 'OnlyListed', { roleName: role.name, policyArns: ['arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess'] });
    expect(errorOf(() => Testing.synth(stack, true))).toContain('aws_iam_role_policy_attachments_exclusive.OnlyListed removes it at apply: its policy_arns does not list it');
    exclusive.policyArns = ['arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess', delivery.arn];
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });
});

describe("a permissions boundary on the role caps what its policies grant", () => {
  function logged() {
    const stack = new TerraformStack(Testing.app(), 'Bounded');
    new AwsProvider(stack, 'aws', { region: 'us-east-1', allowedAccountIds: [ACCOUNT] });
    const workflow = new LoggedStateMachine(stack, 'Workflow', { definition: DEFINITION });
    const role = workflow.role.node.findAll().find((c): c is IamRole => c instanceof IamRole) as IamRole;
    return { stack, role };
  }

  it('refuses a boundary that does not allow the log-delivery actions, or that synth cannot read, and accepts one that allows them', () => {
    const { stack, role } = logged();
    const boundary = new IamPolicy(stack, 'Boundary', { name: 'boundary', policy: policy(['lambda:InvokeFunction', 'xray:*']) });
    role.permissionsBoundary = boundary.arn;
    const message = errorOf(() => Testing.synth(stack, true));
    expect(message).toContain("at 'Bounded/Workflow/StateMachine' has 1 problem");
    expect(message).toContain('its permissions boundary does not allow: logs:CreateLogDelivery');
    role.permissionsBoundary = `arn:aws:iam::${ACCOUNT}:policy/made-elsewhere`;
    expect(errorOf(() => Testing.synth(stack, true))).toContain('is not a readable policy of this stack');
    boundary.policy = policy(['lambda:InvokeFunction', 'xray:*', 'logs:*']);
    role.permissionsBoundary = boundary.arn;
    expect(() => Testing.synth(stack, true)).not.toThrow();
  });
});

describe('a logging role of another stack of the app, checked with that stack\'s policies and account', () => {
  // The role and its log-delivery policy live in a shared IAM stack; the state machine's role_arn becomes a
  // cross-stack remote-state output, and only the machine's own stack is searched for candidate roles.
  it("accepts a role of another stack of the app that its policy grants the log-delivery actions", () => {
    const app = Testing.app();
    const iam = new TerraformStack(app, 'Iam');
    new AwsProvider(iam, 'aws', { region: 'us-east-1', allowedAccountIds: [ACCOUNT] });
    const role = new IamRole(iam, 'Role', { name: 'states', assumeRolePolicy: trust });
    new IamRolePolicy(iam, 'Delivery', { role: role.name, policy: policy([...LOG_DELIVERY_ACTIONS, 'xray:PutTraceSegments']) });
    const workflow = new TerraformStack(app, 'Workflow');
    new AwsProvider(workflow, 'aws', { region: 'us-east-1', allowedAccountIds: [ACCOUNT] });
    installDeploymentChecks(workflow);
    new SfnStateMachine(workflow, 'Machine', {
      name: 'machine',
      roleArn: role.arn,
      definition: JSON.stringify(DEFINITION),
      loggingConfiguration: { level: 'ALL', includeExecutionData: false, logDestination: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:x:*` },
    });
    expect(() => app.synth()).not.toThrow();
  });

  // The same shape, with what must hold in the role's stack: its policy grants the actions, and it is the machine's account.
  it("refuses a role of another stack of the app that lacks the actions or is in another account, and accepts it once both hold", () => {
    const app = Testing.app();
    const iam = new TerraformStack(app, 'Iam');
    const iamProvider = new AwsProvider(iam, 'aws', { region: 'eu-west-1', allowedAccountIds: ['222222222222'] });
    const role = new IamRole(iam, 'Role', { name: 'states', assumeRolePolicy: trust });
    const delivery = new IamRolePolicy(iam, 'Delivery', { role: role.name, policy: policy(['xray:PutTraceSegments']) });
    const workflow = new TerraformStack(app, 'Workflow');
    new AwsProvider(workflow, 'aws', { region: 'us-east-1', allowedAccountIds: [ACCOUNT] });
    installDeploymentChecks(workflow);
    new SfnStateMachine(workflow, 'Machine', {
      name: 'machine',
      roleArn: role.arn,
      definition: JSON.stringify(DEFINITION),
      loggingConfiguration: { level: 'ALL', includeExecutionData: false, logDestination: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:x:*` },
    });
    const message = errorOf(() => Testing.synth(workflow, true));
    expect(message).toContain(`[state-machine/log-delivery-permissions] role_arn "\${aws_iam_role.Role.arn} of stack Iam"`);
    expect(message).toContain('policies read: aws_iam_role_policy.Delivery');
    expect(message).toContain('[state-machine/role-account]');
    expect(message).toContain('aws_iam_role.Role of stack Iam is created through aws, in account 222222222222');
    delivery.policy = policy([...LOG_DELIVERY_ACTIONS]);
    expect(errorOf(() => Testing.synth(workflow, true))).not.toContain('log-delivery-permissions');
    // IAM is global: the role's stack may deploy to another region, as long as it is the machine's account.
    iamProvider.allowedAccountIds = [ACCOUNT];
    expect(() => Testing.synth(workflow, true)).not.toThrow();
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses a cross-stack reference whose output is not the arn of a role of the producer stack', () => {
    const machine = {
      name: 'm',
      role_arn: '${data.terraform_remote_state.cross-stack-reference-input-Iam.outputs.cross-stack-output-x}',
      definition: '{}',
      logging_configuration: { level: 'ALL', include_execution_data: false, log_destination: 'arn:aws:logs:us-east-1:111111111111:log-group:x:*' },
    };
    const document = (value: string): DeploymentDocument => ({
      valuesResolved: false,
      stacks: [
        { name: 'Iam', json: { output: { 'cross-stack-output-x': { value } }, resource: { aws_iam_role: { Role: { name: 'states', assume_role_policy: trust } } } } },
        { name: 'Workflow', json: { resource: { aws_sfn_state_machine: { Machine: machine } } } },
      ],
    });
    const violations = checkDeployment(document('${var.role_arn}'));
    expect(violations.map((v) => [v.ruleId, v.requirement])).toEqual([
      ['state-machine/log-delivery-role', expect.stringContaining('output cross-stack-output-x of stack Iam is not the arn of an aws_iam_role of that stack')],
    ]);
    expect(checkDeployment(document('${aws_iam_role.Role.arn}')).map((v) => v.ruleId)).toEqual(['state-machine/log-delivery-permissions']);
  });
});
