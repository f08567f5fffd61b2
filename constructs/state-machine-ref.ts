import { Fn, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { Grant, IGrantee, grantSid } from './grant';
import { throwIfViolations, violation } from './internal/validation';

/**
 * A Step Functions state machine: one this app makes ({@link LoggedStateMachine})
 * or one that exists already ({@link LoggedStateMachine.fromStateMachineArn}).
 */
export interface IStateMachine extends IConstruct {
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  /** Lets `grantee` start executions of this state machine (and nothing else). */
  grantStartExecution(grantee: IGrantee): Grant;
}

/** `states:StartExecution` on `machine` for `grantee`. */
export function grantStartExecutionOn(machine: IStateMachine, grantee: IGrantee): Grant {
  return Grant.addToPrincipal({ grantee, sid: grantSid('StartExecution', machine), actions: ['states:StartExecution'], resources: [machine.stateMachineArn] });
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:([A-Za-z0-9_-]{1,80})$/;

/** A state machine that exists outside this app, by ARN. */
export class ImportedStateMachine extends Construct implements IStateMachine {
  public readonly stateMachineArn: string;
  public readonly stateMachineName: string;

  constructor(scope: Construct, id: string, stateMachineArn: string) {
    super(scope, id);
    const literal = !Token.isUnresolved(stateMachineArn);
    throwIfViolations(
      'LoggedStateMachine.fromStateMachineArn',
      this,
      literal && !STATE_MACHINE_ARN.test(stateMachineArn)
        ? [
            violation(
              'state-machine/import-arn',
              'stateMachineArn',
              stateMachineArn,
              'be a state machine ARN (arn:<partition>:states:<region>:<12-digit account>:stateMachine:<name>)',
              "pass the state machine's ARN, not an execution or activity ARN",
            ),
          ]
        : [],
    );
    this.stateMachineArn = stateMachineArn;
    // `arn:<partition>:states:<region>:<account>:stateMachine:<name>`: the name is the seventh part.
    this.stateMachineName = literal ? (STATE_MACHINE_ARN.exec(stateMachineArn)?.[1] as string) : Token.asString(Fn.element(Fn.split(':', stateMachineArn), 6));
  }

  public grantStartExecution(grantee: IGrantee): Grant {
    return grantStartExecutionOn(this, grantee);
  }
}
