/**
 * SafeBucket: a bucket whose name is valid by construction.
 * Run: `npx tsx examples/safe-bucket/main.ts` (writes cdktf.out/stacks/safe-bucket-example).
 * The lines between `#region README` and `#endregion README` are the README's example of this
 * construct; __tests__/docs/examples.test.ts keeps the two equal, so the README shows code that
 * compiles and plans.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { SafeBucket } from 'guarded-serverless-stack';

export class SafeBucketExample extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, 'aws', { region: 'eu-west-1' });

    // #region README
    // A derived name: "<stack>-<purpose>-<account id>-<region>", lowercased and cut to fit 63
    // characters, so a stack named like the seed's "TapStack" can no longer break it.
    const artifacts = new SafeBucket(this, 'Artifacts', { purpose: 'build-artifacts' });

    // An explicit name is validated at synth and never rewritten: "Acme-Exports" would stop
    // synth with "[bucket-name/charset] ... Fix: lowercase the name".
    const exportsBucket = new SafeBucket(this, 'Exports', {
      bucketName: 'acme-example-exports',
      noncurrentVersionExpirationDays: 7,
    });
    // #endregion README

    new TerraformOutput(this, 'artifacts_bucket', { value: artifacts.bucketName });
    new TerraformOutput(this, 'exports_bucket_arn', { value: exportsBucket.bucketArn });
  }
}

export function buildExample(app: App = new App()): App {
  new SafeBucketExample(app, 'safe-bucket-example');
  return app;
}

if (require.main === module) buildExample().synth();
