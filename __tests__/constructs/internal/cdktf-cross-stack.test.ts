import { readFileSync, rmSync } from 'fs';
import { join } from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { TerraformStack, Testing } from 'cdktf';
import { CDKTF_CROSS_STACK, CROSS_STACK_REFERENCE } from '../../../constructs/internal/cdktf-cross-stack';

type StackJson = { output?: Record<string, unknown>; resource?: { aws_sns_topic?: Record<string, { name: string }> }; data?: Record<string, Record<string, unknown>> };

// The names are cdktf's internals: a real cross-stack reference, synthesized by the installed cdktf, must use them.
describe('the names cdktf gives a cross-stack reference', () => {
  it('are the prefixes the checks match, and the reference reads as CROSS_STACK_REFERENCE', () => {
    const app = Testing.app();
    try {
      const producer = new TerraformStack(app, 'Producer');
      new AwsProvider(producer, 'aws', { region: 'us-east-1' });
      const topic = new SnsTopic(producer, 'Topic', { name: 'source' });
      const consumer = new TerraformStack(app, 'Consumer');
      new AwsProvider(consumer, 'aws', { region: 'us-east-1' });
      new SnsTopic(consumer, 'Copy', { name: topic.name });
      app.synth();
      const read = (stack: string) => JSON.parse(readFileSync(join(app.outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8')) as StackJson;

      const outputs = Object.keys(read('Producer').output ?? {});
      expect(outputs.some((name) => name.startsWith(CDKTF_CROSS_STACK.outputPrefix))).toBe(true);
      const consumed = read('Consumer');
      expect(Object.keys(consumed.data?.terraform_remote_state ?? {})).toEqual([`${CDKTF_CROSS_STACK.referenceInputPrefix}Producer`]);
      const expression = /^\$\{(.*)\}$/.exec(consumed.resource?.aws_sns_topic?.Copy.name ?? '')?.[1] ?? '';
      const [, producerPath, output] = CROSS_STACK_REFERENCE.exec(expression) ?? [];
      expect(producerPath).toBe('Producer');
      expect(outputs).toContain(output);
    } finally {
      rmSync(app.outdir, { recursive: true, force: true });
    }
  });
});
