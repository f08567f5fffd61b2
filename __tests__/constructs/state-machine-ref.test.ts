import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { LoggedStateMachine } from '../../constructs/logged-state-machine';
import { ServiceAlarms } from '../../constructs/service-alarms';
import { guardErrorOf, newStack, synth } from '../helpers/stacks';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:order-flow';

describe('LoggedStateMachine.fromStateMachineArn: a state machine a team already has', () => {
  it('reads the name from a literal ARN and grants exactly StartExecution on it', () => {
    const { stack } = newStack();
    const machine = LoggedStateMachine.fromStateMachineArn(stack, 'OrderFlow', ARN);
    expect(machine.stateMachineName).toBe('order-flow');
    const role = new LeastPrivilegeRole(stack, 'Starter', { assumedBy: 'lambda.amazonaws.com' });
    const grant = machine.grantStartExecution(role);
    expect(grant.statements).toEqual([{ sid: 'StartExecutionOrderFlow', actions: ['states:StartExecution'], resources: [ARN] }]);
  });

  it('refuses an ARN that is not a state machine ARN (an execution, an activity)', () => {
    const { stack } = newStack();
    const error = guardErrorOf(() => LoggedStateMachine.fromStateMachineArn(stack, 'Run', 'arn:aws:states:us-east-1:123456789012:execution:order-flow:run-1'));
    expect(error.violations[0]).toMatchObject({ ruleId: 'state-machine/import-arn', field: 'stateMachineArn' });
  });

  it('is watched by alarms like one made here', () => {
    const { stack } = newStack();
    new ServiceAlarms(stack, 'Alarms', { stateMachines: [LoggedStateMachine.fromStateMachineArn(stack, 'OrderFlow', ARN)] });
    const dimensions = Object.values(synth(stack).json.resource.aws_cloudwatch_metric_alarm).map((a) => a.dimensions);
    expect(dimensions).toContainEqual({ StateMachineArn: ARN });
  });
});
