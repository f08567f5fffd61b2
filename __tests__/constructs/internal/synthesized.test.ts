import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { Fn } from 'cdktf';
import { resolveForSynth, resolvedText, synthesizedArguments } from '../../../constructs/internal/synthesized';
import { newStack, synth } from '../../helpers/stacks';

describe('values as synth writes them', () => {
  it('resolves tokens to the Terraform expressions synth writes, inside lists and maps too', () => {
    const { stack } = newStack();
    const topic = new SnsTopic(stack, 'Events', { name: 'events' });
    const written = synth(stack).json.resource.aws_sns_topic;
    const id = Object.keys(written)[0];
    expect(resolvedText(stack, topic.arn)).toBe(`\${aws_sns_topic.${id}.arn}`);
    expect(resolveForSynth(stack, { arns: [topic.arn, 'literal'], joined: Fn.join(',', [topic.name]) })).toEqual({
      arns: [`\${aws_sns_topic.${id}.arn}`, 'literal'],
      joined: `\${join(",", [aws_sns_topic.${id}.name])}`,
    });
    expect(resolvedText(stack, 'plain')).toBe('plain');
  });

  it("reads a resource's arguments with escape hatches applied, as synth writes them", () => {
    const { stack } = newStack();
    const topic = new SnsTopic(stack, 'Events', { name: 'events' });
    topic.addOverride('name', 'overridden');
    topic.addOverride('fifo_topic', true);
    expect(synthesizedArguments(topic)).toEqual(expect.objectContaining({ name: 'overridden', fifo_topic: true }));
    const written = Object.values(synth(stack).json.resource.aws_sns_topic)[0];
    expect(written.name).toBe('overridden');
  });
});
