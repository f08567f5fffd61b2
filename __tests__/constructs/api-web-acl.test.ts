import fc from 'fast-check';
import { Testing } from 'cdktf';
import { ApiWebAcl, ApiWebAclProps, decimalAboveRegex } from '../../constructs/api-web-acl';
import { LambdaRestApi } from '../../constructs/lambda-rest-api';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { MAX_BODY_BYTES } from '../../lambdas/shared/limits';
import { TapStack } from '../../stacks/tap-stack';
import { ECHO_ENTRY, errorOf, newStack, onlyResource, synth } from '../helpers/stacks';

function setup(props: Partial<ApiWebAclProps> = {}) {
  const { stack } = newStack();
  const handler = new UnreservedFunction(stack, 'Handler', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'Code', {}) });
  const api = new LambdaRestApi(stack, 'Api', { routes: [{ method: 'POST', path: '/items', handler }] });
  const build = () => new ApiWebAcl(stack, 'Waf', { api, maxBodyBytes: 1000, ...props });
  return { stack, api, build };
}

/** The web ACL's rules, in the WAF API's JSON shape (`rule_json`). */
function rulesOf(webAcl: Record<string, any>): any[] {
  return JSON.parse(webAcl.rule_json);
}

function ruleNamed(webAcl: Record<string, any>, name: string): any {
  const rule = rulesOf(webAcl).find((r: any) => r.Name === name);
  if (!rule) throw new Error(`no rule ${name} in ${rulesOf(webAcl).map((r: any) => r.Name).join(', ')}`);
  return rule;
}

describe('decimalAboveRegex', () => {
  it('matches exactly the numbers above the limit (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), fc.nat({ max: 100_000_000 }), (limit, value) => {
        expect(new RegExp(decimalAboveRegex(limit)).test(String(value))).toBe(value > limit);
      }),
      { numRuns: 2000 },
    );
  });

  it('is exact at the boundary, with leading zeros, and refuses what is not a number', () => {
    const regex = new RegExp(decimalAboveRegex(MAX_BODY_BYTES));
    expect(regex.test(String(MAX_BODY_BYTES))).toBe(false);
    expect(regex.test(String(MAX_BODY_BYTES + 1))).toBe(true);
    expect(regex.test(`000${MAX_BODY_BYTES + 1}`)).toBe(true);
    expect(regex.test('1e9')).toBe(false);
    // No backslash: the HCL export (cdktf synth --hcl) would write it unescaped, which Terraform rejects.
    expect(decimalAboveRegex(MAX_BODY_BYTES)).not.toContain('\\');
    expect(regex.test('')).toBe(false);
    for (const limit of [0, 9, 10, 99, 100, 199, 909, 999_999]) {
      const r = new RegExp(decimalAboveRegex(limit));
      expect([r.test(String(limit)), r.test(String(limit + 1))]).toEqual([false, true]);
    }
  });
});

describe('ApiWebAcl', () => {
  const { stack, build } = setup();
  build();
  const { json } = synth(stack);
  const webAcl = onlyResource(json, 'aws_wafv2_web_acl');

  it('is a regional web ACL that allows by default, on the API stage', () => {
    expect(webAcl.scope).toBe('REGIONAL');
    expect(webAcl.default_action).toEqual({ allow: {} });
    const association = onlyResource(json, 'aws_wafv2_web_acl_association');
    expect(association.resource_arn).toMatch(/^\$\{aws_api_gateway_stage\.Api_Stage_\w+\.arn\}$/);
    expect(association.web_acl_arn).toMatch(/^\$\{aws_wafv2_web_acl\.Waf_WebAcl_\w+\.arn\}$/);
  });

  it("runs AWS's common and known-bad-inputs rule sets, the common set's 8 KB body rule only counting", () => {
    const common = ruleNamed(webAcl, 'AWSManagedRulesCommonRuleSet');
    expect(common.OverrideAction).toEqual({ None: {} });
    expect(common.Statement.ManagedRuleGroupStatement).toEqual({
      Name: 'AWSManagedRulesCommonRuleSet',
      VendorName: 'AWS',
      RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
    });
    expect(ruleNamed(webAcl, 'AWSManagedRulesKnownBadInputsRuleSet').Statement.ManagedRuleGroupStatement).toEqual({
      Name: 'AWSManagedRulesKnownBadInputsRuleSet',
      VendorName: 'AWS',
    });
  });

  it('limits each source IP to 1000 requests per 5 minutes, answering 429', () => {
    const rate = ruleNamed(webAcl, 'RateLimitPerSourceIp');
    expect(rate.Statement.RateBasedStatement).toEqual({ Limit: 1000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    expect(rate.Action.Block.CustomResponse.ResponseCode).toBe(429);
  });

  it('blocks a Content-Length above the given limit with a 413, first', () => {
    const size = ruleNamed(webAcl, 'BodyOverApiLimit');
    expect(size.Priority).toBe(0);
    expect(size.Statement.RegexMatchStatement.FieldToMatch).toEqual({ SingleHeader: { Name: 'content-length' } });
    expect(size.Statement.RegexMatchStatement.RegexString).toBe(decimalAboveRegex(1000));
    expect(size.Action.Block.CustomResponse).toEqual({ ResponseCode: 413, CustomResponseBodyKey: 'body-too-large' });
    const body = webAcl.custom_response_body.find((b: any) => b.key === 'body-too-large');
    expect(JSON.parse(body.content)).toEqual({ message: 'Body is larger than 1000 bytes' });
  });

  it('gives every rule a unique priority and metrics', () => {
    const priorities = rulesOf(webAcl).map((r: any) => r.Priority);
    expect(new Set(priorities).size).toBe(priorities.length);
    expect(rulesOf(webAcl).every((r: any) => r.VisibilityConfig.CloudWatchMetricsEnabled === true)).toBe(true);
    expect(webAcl.rule).toBeUndefined();
  });

  it.each<[string, Partial<ApiWebAclProps>, string]>([
    ['a rate under WAF minimum', { requestsPerIpPer5Minutes: 5 }, 'waf/rate-limit'],
    ['a fractional body limit', { maxBodyBytes: 10.5 }, 'waf/max-body-bytes'],
    ['a rule name with a space', { commonRulesToCount: ['Size Restrictions'] }, 'waf/common-rules-to-count'],
  ])('rejects %s', (_case, props, ruleId) => {
    const message = errorOf(() => setup(props).build());
    expect(message).toContain("ApiWebAcl at 'TapStack/Waf'");
    expect(message).toContain(`[${ruleId}]`);
  });
});

describe('TapStack WAF', () => {
  it("is on by default, with the body rule at the API function's own limit (MAX_BODY_BYTES)", () => {
    const json = JSON.parse(Testing.synth(new TapStack(Testing.app(), 'TapStack')));
    const webAcl = onlyResource(json, 'aws_wafv2_web_acl');
    expect(ruleNamed(webAcl, 'BodyOverApiLimit').Statement.RegexMatchStatement.RegexString).toBe(decimalAboveRegex(MAX_BODY_BYTES));
    expect(onlyResource(json, 'aws_wafv2_web_acl_association').resource_arn).toMatch(/aws_api_gateway_stage\.JobsApi_Stage_\w+\.arn/);
  });

  it('can be switched off per environment', () => {
    const json = JSON.parse(Testing.synth(new TapStack(Testing.app(), 'TapStack', { enableWaf: false })));
    expect(json.resource.aws_wafv2_web_acl).toBeUndefined();
    expect(json.resource.aws_wafv2_web_acl_association).toBeUndefined();
  });
});
