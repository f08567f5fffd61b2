/**
 * LoggedStateMachine: a state machine with logging whose role always carries the
 * log-delivery actions, created only after that policy is attached.
 * Run: `npx tsx examples/logged-state-machine/main.ts`.
 * The lines between `#region README` and `#endregion README` are the README's example of this
 * construct; __tests__/docs/examples.test.ts keeps the two equal, so the README shows code that
 * compiles and plans.
 */
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { LoggedStateMachine, SafeBucket, UnreservedFunction } from 'guarded-serverless-stack';

export class LoggedStateMachineExample extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-west-1' });

    // #region README
    const code = new SafeBucket(this, 'Code', { purpose: 'lambda-code' });
    const check = new UnreservedFunction(this, 'Check', { entry: join(__dirname, 'check.ts'), codeBucket: code });

    // The definition is checked with asl-validator at synth (a `Next` to a missing state stops
    // synth), and the role may invoke exactly the functions the definition names.
    const machine = new LoggedStateMachine(this, 'Approval', {
      definition: {
        Comment: 'Checks a request, waits, then succeeds.',
        StartAt: 'Check',
        States: {
          Check: { Type: 'Task', Resource: check.functionArn, Next: 'Wait' },
          Wait: { Type: 'Wait', Seconds: 5, Next: 'Done' },
          Done: { Type: 'Succeed' },
        },
      },
      logLevel: 'ERROR',
      logRetentionDays: 14,
    });
    // #endregion README

    new TerraformOutput(this, 'state_machine_arn', { value: machine.stateMachineArn });
  }
}

export function buildExample(app: App = new App()): App {
  new LoggedStateMachineExample(app, 'logged-state-machine-example');
  return app;
}

if (require.main === module) buildExample().synth();
