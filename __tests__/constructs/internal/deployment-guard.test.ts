import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { App, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { SafeBucket, installDeploymentChecks } from '../../../constructs';
import { deploymentDocumentOf, documentOf, stackJsonOf } from '../../../constructs/internal/deployment-guard';
import { checkDeployment } from '../../../constructs/internal/deployment-checks';
import { TapStack } from '../../../stacks/tap-stack';
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { errorOf } from '../../helpers/stacks';

/** A stack with its own provider, in `app`. */
function stackIn(app: App, id: string, provider: ConstructorParameters<typeof AwsProvider>[2] = { region: 'us-east-1' }): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AwsProvider(stack, 'aws', provider);
  return stack;
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

describe('where the deployment check runs', () => {
  it('checks, in app.synth(), a plain resource of a stack that holds no guard construct, once another stack has one', () => {
    const app = Testing.app();
    new SafeBucket(stackIn(app, 'Guarded'), 'Data');
    new S3Bucket(stackIn(app, 'Raw'), 'Plain', { bucket: 'Bad_Name' });
    const message = errorOf(() => app.synth());
    expect(message).toContain("[Raw] aws_s3_bucket.Plain at 'Raw/Plain' has 1 problem:");
    expect(message).toContain('- [bucket-name/charset] bucket "Bad_Name" must contain only lowercase letters');
    expect(message).toContain('Fix: lowercase the name');
  });

  it('checks an app made only of plain provider resources after one installDeploymentChecks(app), and not without it', () => {
    const build = (install: boolean, bucket: string) => {
      const app = Testing.app();
      new S3Bucket(stackIn(app, 'Raw'), 'Plain', { bucket });
      if (install) installDeploymentChecks(app);
      return app;
    };
    expect(() => build(false, 'Bad_Name').synth()).not.toThrow();
    expect(errorOf(() => build(true, 'Bad_Name').synth())).toContain('[bucket-name/charset]');
    expect(() => build(true, 'good-name').synth()).not.toThrow();
    // Testing.synth(stack, true) runs the stack's part, installed on every stack the app had then.
    const app = build(true, 'Bad_Name');
    expect(errorOf(() => Testing.synth(app.node.findChild('Raw') as TerraformStack, true))).toContain('[bucket-name/charset]');
  });

  it('checks stacks created after the guard constructs: in app.synth(), and their plan-time preconditions too', () => {
    const app = Testing.app();
    new SafeBucket(stackIn(app, 'First'), 'Data');
    const later = stackIn(app, 'Later');
    const suffix = new TerraformVariable(later, 'suffix', { type: 'string' });
    new S3Bucket(later, 'Deploy', { bucket: `later-${suffix.stringValue}` });
    new S3Bucket(later, 'Plain', { bucket: 'Bad_Name' });
    expect(errorOf(() => app.synth())).toContain("aws_s3_bucket.Plain at 'Later/Plain'");
    const json = JSON.parse(Testing.synth(later)) as { resource: { aws_s3_bucket: Record<string, { lifecycle?: { precondition: unknown[] } }> } };
    expect(json.resource.aws_s3_bucket.Deploy.lifecycle?.precondition.length).toBeGreaterThan(0);
  });

  it('issue 18: gives a stack created after the guard constructs its part in Testing.synth(stack, true) once another stack was synthesized, or installDeploymentChecks(app) was called again', () => {
    const build = () => {
      const app = Testing.app();
      const first = stackIn(app, 'First');
      new SafeBucket(first, 'Data');
      const later = stackIn(app, 'Later');
      new S3Bucket(later, 'Plain', { bucket: 'Bad_Name' });
      return { app, first, later };
    };
    const afterOther = build();
    Testing.synth(afterOther.first, true);
    expect(errorOf(() => Testing.synth(afterOther.later, true))).toContain("[Later] aws_s3_bucket.Plain at 'Later/Plain' has 1 problem:\n  - [bucket-name/charset]");
    const reinstalled = build();
    installDeploymentChecks(reinstalled.app);
    expect(errorOf(() => Testing.synth(reinstalled.later, true))).toContain('[bucket-name/charset] bucket "Bad_Name"');
    const fixed = build();
    installDeploymentChecks(fixed.app);
    (fixed.later.node.findChild('Plain') as S3Bucket).bucket = 'good-name';
    expect(() => Testing.synth(fixed.later, true)).not.toThrow();
  });

  it('reports, in Testing.synth(stack, true), what involves that stack and not the problems of another', () => {
    const app = Testing.app();
    const clean = stackIn(app, 'Clean');
    new SafeBucket(clean, 'Data');
    const broken = stackIn(app, 'Broken');
    new S3Bucket(broken, 'Plain', { bucket: 'Bad_Name' });
    expect(() => Testing.synth(clean, true)).not.toThrow();
    expect(errorOf(() => Testing.synth(broken, true))).toContain('[bucket-name/charset]');
  });

  it('reports each violation once in app.synth(), though every stack has its part', () => {
    const app = Testing.app();
    for (const id of ['A', 'B', 'C']) new SafeBucket(stackIn(app, id), 'Data', { bucketName: 'acme-shared' });
    const message = errorOf(() => app.synth());
    // Three pairs (B-A, C-A, C-B), each listed once, under the later of the two.
    expect(occurrences(message, '[name/unique]')).toBe(3);
    expect(occurrences(message, "at 'B/Data/Bucket' has 1 problem")).toBe(1);
    expect(occurrences(message, "at 'C/Data/Bucket' has 2 problems")).toBe(1);
  });

  it('is turned off at synth by new App({ skipValidation: true }); the plan-time preconditions stay', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'skip-validation-'));
    const app = new App({ outdir, skipValidation: true });
    const stack = stackIn(app, 'A');
    new SafeBucket(stack, 'Data');
    new S3Bucket(stack, 'Plain', { bucket: 'Bad_Name' });
    const suffix = new TerraformVariable(stack, 'suffix', { type: 'string' });
    new S3Bucket(stack, 'Deploy', { bucket: `deploy-${suffix.stringValue}` });
    expect(() => app.synth()).not.toThrow();
    const written = JSON.parse(readFileSync(join(outdir, 'stacks', 'A', 'cdk.tf.json'), 'utf8')) as {
      resource: { aws_s3_bucket: Record<string, { lifecycle?: { precondition: unknown[] } }> };
    };
    expect(written.resource.aws_s3_bucket.Deploy.lifecycle?.precondition.length).toBeGreaterThan(0);
  });

  it('adds its plan-time preconditions once, however often synth runs', () => {
    const app = Testing.app();
    const stack = stackIn(app, 'A');
    const suffix = new TerraformVariable(stack, 'suffix', { type: 'string' });
    new SafeBucket(stack, 'Data');
    new S3Bucket(stack, 'Deploy', { bucket: `deploy-${suffix.stringValue}` });
    const count = () =>
      (JSON.parse(Testing.synth(stack)) as { resource: { aws_s3_bucket: Record<string, { lifecycle: { precondition: unknown[] } }> } }).resource.aws_s3_bucket.Deploy
        .lifecycle.precondition.length;
    const first = count();
    expect(first).toBeGreaterThan(0);
    expect(count()).toBe(first);
    app.synth();
    expect(count()).toBe(first);
  });

  it('reads only the types the checks read, and finds what the whole JSON would show (the shipped stack)', () => {
    const app = Testing.app();
    const stack = new TapStack(app, 'TapStack');
    const full = deploymentDocumentOf(stack);
    const read = documentOf(stack, () => 'read-by-checks');
    expect(checkDeployment(read)).toEqual(checkDeployment(full));
    expect(checkDeployment(full)).toEqual([]);
    expect(Object.keys(stackJsonOf(stack, 'read-by-checks').resource as object).length).toBeLessThan(
      Object.keys(stackJsonOf(stack).resource as object).length,
    );
  });
});
