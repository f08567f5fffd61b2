import { HclScanError, repairLifecycleBlocks } from '../../../scripts/hcl/lifecycle-blocks';

// What cdktf 0.21's HCL renderer writes for a resource with two preconditions.
const RENDERED = `resource "aws_s3_bucket" "b" {
bucket = "\${local.name}"
lifecycle {
  precondition = [
{
condition = "\${(length(local.name) >= 3)}"
error_message = "too short"
},
{
condition = "\${can(regex("^[a-z0-9.-]*$", local.name))}"
error_message = "SafeBucket at 'S/B': [bucket-name/charset] must match \\"^[a-z]\\". Fix: { lowercase }"
}
]
}
}
`;

describe('repairLifecycleBlocks', () => {
  it('turns a precondition list into one block per check, bodies unchanged and in order', () => {
    expect(repairLifecycleBlocks(RENDERED)).toBe(`resource "aws_s3_bucket" "b" {
bucket = "\${local.name}"
lifecycle {
  precondition {
condition = "\${(length(local.name) >= 3)}"
error_message = "too short"
}
  precondition {
condition = "\${can(regex("^[a-z0-9.-]*$", local.name))}"
error_message = "SafeBucket at 'S/B': [bucket-name/charset] must match \\"^[a-z]\\". Fix: { lowercase }"
}
}
}
`);
  });

  it('repairs postconditions the same way', () => {
    expect(repairLifecycleBlocks('lifecycle {\n  postcondition = [\n{\ncondition = true\nerror_message = "x"\n}\n]\n}\n')).toBe(
      'lifecycle {\n  postcondition {\ncondition = true\nerror_message = "x"\n}\n}\n',
    );
  });

  it('drops an empty list, which declares no check', () => {
    expect(repairLifecycleBlocks('lifecycle {\n  precondition = []\n}\n')).toBe('lifecycle {\n\n}\n');
  });

  it('leaves text that only mentions the pattern alone: strings, heredocs, comments, escaped interpolation', () => {
    const untouched = [
      'description = "precondition = [ {} ]"\n',
      'description = "${"\\nprecondition = ["}"\n',
      'description = "$${precondition = [}"\n',
      'policy = <<EOT\nprecondition = [\n{\n}\n]\nEOT\n',
      '# precondition = [\n',
      '/*\nprecondition = [\n*/\n',
      'tags = {\nprecondition = ["a"]\n}\n',
      'resource "x" "y" {\nprecondition = [\n{\n}\n]\n}\n',
    ];
    for (const text of untouched) expect(repairLifecycleBlocks(text)).toBe(text);
  });

  it('returns a stack without lifecycle lists unchanged', () => {
    const plain = 'resource "aws_sns_topic" "t" {\n  name = "${local.x}-topic"\n}\n';
    expect(repairLifecycleBlocks(plain)).toBe(plain);
  });

  it('refuses malformed input instead of guessing', () => {
    expect(() => repairLifecycleBlocks('lifecycle {\n  precondition = [\n{\ncondition = "open\n')).toThrow(HclScanError);
    expect(() => repairLifecycleBlocks('lifecycle {\n  precondition = [\n')).toThrow(/unbalanced/);
    expect(() => repairLifecycleBlocks('lifecycle {\n  precondition = [\n"not an object"\n]\n}\n')).toThrow(/expected an object/);
  });
});
