import { TerraformVariable, Testing } from 'cdktf';
import { SafeBucket } from '../../constructs/safe-bucket';
import { TapStack } from '../../stacks/tap-stack';
import { newStack } from '../helpers/stacks';
import { FAKE_ACCOUNT_ID, FAKE_REGION, assertTerraformAvailable, initValidateAndPlan, resourceAddress, synthToTempDir } from '../helpers/terraform';

// Real terraform and the real hashicorp/aws provider, offline; each plan takes a few seconds.
jest.setTimeout(120_000);

beforeAll(() => assertTerraformAvailable());

describe('offline terraform plan', () => {
  it('fails, saying how to fix it, when the provider mirror is missing', () => {
    const previous = process.env.TF_PLUGIN_MIRROR;
    process.env.TF_PLUGIN_MIRROR = '/nonexistent/tf-plugins';
    try {
      expect(() => assertTerraformAvailable()).toThrow(/No hashicorp\/aws 5\.100\.0 in the plugin mirror at \/nonexistent\/tf-plugins.*terraform providers mirror/);
    } finally {
      if (previous === undefined) delete process.env.TF_PLUGIN_MIRROR;
      else process.env.TF_PLUGIN_MIRROR = previous;
    }
  });

  it('plans the shipped TapStack clean, with its derived bucket name resolved to a valid lowercase name', () => {
    const stack = new TapStack(Testing.app(), 'TapStack');
    const dir = synthToTempDir(stack);
    const bucket = resourceAddress(dir, 'aws_s3_bucket', 'LambdaCode_Bucket');
    const result = initValidateAndPlan(dir, {
      asserts: [[`${bucket}.bucket == "tapstack-lambda-code-${FAKE_ACCOUNT_ID}-${FAKE_REGION}"`, 'the derived bucket name did not resolve as expected']],
    });
    // The one validation warning is reset_on_delete's deprecation in hashicorp/aws 5.100.0 (see the README).
    expect(result.output).toMatch(/Success! The configuration is valid/);
    const warnings = [...result.output.matchAll(/Warning: ([^\n]*)/g)].map((m) => m[1].trim()).filter((w) => !w.startsWith('Incomplete lock file'));
    expect(new Set(warnings)).toEqual(new Set(['Attribute Deprecated']));
    expect(result.output).toContain('The "reset_on_delete" attribute will be removed');
    expect(result.output).toMatch(/run "offline_plan"\.\.\. pass/);
    expect(result.ok).toBe(true);
  });

  it('stops a plan whose deploy-time bucket name breaks a rule, before any API call, naming the rule', () => {
    const { stack } = newStack('Broken');
    const suffix = new TerraformVariable(stack, 'suffix', { type: 'string', default: 'UPPER' });
    new SafeBucket(stack, 'Data', { bucketName: `data-${suffix.stringValue}` });
    const result = initValidateAndPlan(synthToTempDir(stack));
    expect(result.ok).toBe(false);
    expect(result.output).toContain('Resource precondition failed');
    expect(result.output).toContain("SafeBucket at 'Broken/Data': [bucket-name/charset]");
    expect(result.output).toContain('"data-UPPER"');
  });
});
