import { TerraformVariable, Testing } from 'cdktf';
import { CognitoUserPoolAuthorizer, LambdaTokenAuthorizer } from '../../constructs/api-authorizers';
import { ApiWebAcl } from '../../constructs/api-web-acl';
import { LambdaRestApi } from '../../constructs/lambda-rest-api';
import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { TapStack } from '../../stacks/tap-stack';
import { ECHO_ENTRY, newStack } from '../helpers/stacks';
import { readFileSync } from 'fs';
import { join } from 'path';
import { FAKE_ACCOUNT_ID, FAKE_REGION, assertTerraformAvailable, initValidateAndPlan, resourceAddress, synthHclToTempDir, synthToTempDir } from '../helpers/terraform';

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
    expect(result.output).toContain('Success! The configuration is valid.');
    expect(result.output).toMatch(/run "offline_plan"\.\.\. pass/);
    expect(result.ok).toBe(true);
  });

  it('plans the TapStack exported as plain HCL (cdktf synth --hcl) clean, when its names are literal', () => {
    // cdktf's HCL renderer writes lifecycle preconditions as an attribute, which Terraform
    // rejects; a stack whose names are all literal has none (see the README).
    const stack = new TapStack(Testing.app(), 'TapStack', { codeBucketName: 'tapstack-lambda-code-hcl-export' });
    const dir = synthHclToTempDir(stack);
    const hcl = readFileSync(join(dir, 'main.tf'), 'utf8');
    expect(hcl).toMatch(/definition\s*=\s*"\$\{jsonencode\(local\.JobWorkflow_Definition_\w+\)\}"/);
    const result = initValidateAndPlan(dir);
    expect(result.output).toMatch(/Success! The configuration is valid/);
    expect(result.output).toMatch(/run "offline_plan"\.\.\. pass/);
    expect(result.ok).toBe(true);
  });

  it('plans the authorizers, the WAF web ACL, a usage plan and a body model clean', () => {
    const { stack } = newStack('AuthStack');
    const codeBucket = new SafeBucket(stack, 'Code', {});
    const handler = new UnreservedFunction(stack, 'Handler', { entry: ECHO_ENTRY, codeBucket });
    const authorizerFn = new UnreservedFunction(stack, 'TokenCheck', { entry: ECHO_ENTRY, codeBucket });
    const api = new LambdaRestApi(stack, 'Api', {
      manageAccountLoggingRole: false,
      usagePlan: { quota: { limit: 1000, period: 'DAY' }, apiKeyNames: ['team-a'] },
      routes: [
        { method: 'POST', path: '/items', handler, requestBodySchema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } } },
        { method: 'GET', path: '/items/{id}', handler, authorization: new CognitoUserPoolAuthorizer({ userPoolArns: [`arn:aws:cognito-idp:${FAKE_REGION}:${FAKE_ACCOUNT_ID}:userpool/${FAKE_REGION}_AbCdEf123`] }) },
        { method: 'GET', path: '/me', handler, authorization: new LambdaTokenAuthorizer({ handler: authorizerFn }) },
        { method: 'GET', path: '/health', handler, authorization: 'NONE' },
      ],
    });
    api.grantInvoke(new LeastPrivilegeRole(stack, 'Caller', { assumedBy: { accountId: FAKE_ACCOUNT_ID } }));
    new ApiWebAcl(stack, 'Waf', { api, maxBodyBytes: 261120 });
    const dir = synthToTempDir(stack);
    const webAcl = resourceAddress(dir, 'aws_wafv2_web_acl', 'Waf_WebAcl');
    const result = initValidateAndPlan(dir, {
      asserts: [[`${webAcl}.scope == "REGIONAL"`, 'the web ACL is not regional']],
    });
    expect(result.output).toContain('Success! The configuration is valid.');
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
