/**
 * UnreservedFunction: a Lambda function that cannot starve the account's unreserved
 * concurrency, bundled from TypeScript at synth, with its own log group and least-privilege role.
 * Run: `npx tsx examples/unreserved-function/main.ts`.
 * The lines between `#region README` and `#endregion README` are the README's example of this
 * construct; __tests__/docs/examples.test.ts keeps the two equal, so the README shows code that
 * compiles and plans.
 */
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { SafeBucket, UnreservedFunction } from 'guarded-serverless-stack';

export class UnreservedFunctionExample extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-west-1' });

    // #region README
    // The code zip goes to a SafeBucket; the same entry in several functions is uploaded once.
    const code = new SafeBucket(this, 'Code', { purpose: 'lambda-code' });
    const fn = new UnreservedFunction(this, 'Greeter', {
      entry: join(__dirname, 'handler.ts'),
      codeBucket: code,
      memorySize: 128,
      environment: { TABLE_NAME: 'orders' },
      description: 'Example: reserves no concurrency, so it shares the unreserved pool',
    });
    // #endregion README

    new TerraformOutput(this, 'function_name', { value: fn.functionName });
    new TerraformOutput(this, 'function_arn', { value: fn.functionArn });
  }
}

export function buildExample(app: App = new App()): App {
  new UnreservedFunctionExample(app, 'unreserved-function-example');
  return app;
}

if (require.main === module) buildExample().synth();
