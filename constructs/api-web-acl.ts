import { Wafv2WebAcl } from '@cdktf/provider-aws/lib/wafv2-web-acl';
import { Wafv2WebAclAssociation } from '@cdktf/provider-aws/lib/wafv2-web-acl-association';
import { Construct } from 'constructs';
import { IRestApi } from './rest-api-ref';
import { NAME_KINDS, deriveNameFor } from './internal/name-rules';
import { GuardValidationError, Rule, checkRules, throwIfViolations, violation } from './internal/validation';

/** WAF's rate-based rules count per source IP over this window. */
export const RATE_WINDOW_SECONDS = 300;
/** WAF's bounds for a rate-based rule's limit. */
export const MIN_RATE_LIMIT = 10;
export const MAX_RATE_LIMIT = 2_000_000_000;

export interface ApiWebAclProps {
  /** The API whose stage the web ACL protects. */
  readonly api: IRestApi;
  /**
   * The largest body the API accepts, in bytes. Requests declaring a larger
   * `Content-Length` are blocked with a 413 before API Gateway or the function
   * sees them. Pass the API's own limit, from its single source of truth.
   */
  readonly maxBodyBytes: number;
  /**
   * Requests one source IP may make per 5 minutes before WAF answers 429.
   * @default 1000
   */
  readonly requestsPerIpPer5Minutes?: number;
  /**
   * Rules of AWS's common rule set switched to count (logged, not blocked).
   * `SizeRestrictions_BODY` blocks bodies over 8 KB, below this API's limit; the
   * body-size rule of this web ACL enforces the API's own limit instead.
   * @default ['SizeRestrictions_BODY']
   */
  readonly commonRulesToCount?: readonly string[];
}

const PROPS_RULES: readonly Rule<ApiWebAclProps>[] = [
  {
    id: 'waf/max-body-bytes',
    field: 'maxBodyBytes',
    pick: (p) => p.maxBodyBytes,
    requirement: 'be a whole number of bytes of at least 1',
    check: (p) => Number.isSafeInteger(p.maxBodyBytes) && p.maxBodyBytes >= 1,
    fix: "pass the API's body limit",
  },
  {
    id: 'waf/rate-limit',
    field: 'requestsPerIpPer5Minutes',
    pick: (p) => p.requestsPerIpPer5Minutes,
    requirement: `be a whole number from ${MIN_RATE_LIMIT} to ${MAX_RATE_LIMIT} (WAF's bounds)`,
    check: (p) =>
      p.requestsPerIpPer5Minutes === undefined ||
      (Number.isInteger(p.requestsPerIpPer5Minutes) && p.requestsPerIpPer5Minutes >= MIN_RATE_LIMIT && p.requestsPerIpPer5Minutes <= MAX_RATE_LIMIT),
    fix: 'pick a limit in that range',
  },
  {
    id: 'waf/common-rules-to-count',
    field: 'commonRulesToCount',
    pick: (p) => p.commonRulesToCount,
    requirement: 'name rules of the common rule set (letters, digits and "_")',
    check: (p) => (p.commonRulesToCount ?? []).every((name) => /^[A-Za-z0-9_]{1,128}$/.test(name)),
    fix: 'use the rule names AWS lists for AWSManagedRulesCommonRuleSet',
  },
];

/**
 * A regular expression matching the decimal numbers (leading zeros allowed)
 * greater than `limit`: WAF cannot compare numbers, but can match a header.
 */
export function decimalAboveRegex(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new GuardValidationError('ApiWebAcl', 'decimalAboveRegex', [
      violation('waf/max-body-bytes', 'limit', limit, 'be a whole number of at least 0', "pass the API's body limit in bytes"),
    ]);
  }
  const digits = String(limit);
  // [0-9], not \d: cdktf's HCL export (synth --hcl) writes this string without escaping backslashes.
  const alternatives = [`[1-9][0-9]{${digits.length},}`];
  for (let i = 0; i < digits.length; i += 1) {
    const digit = Number(digits[i]);
    if (digit === 9) continue;
    const rest = digits.length - i - 1;
    const next = digit + 1 === 9 ? '9' : `[${digit + 1}-9]`;
    alternatives.push(`${digits.slice(0, i)}${next}${rest > 0 ? `[0-9]{${rest}}` : ''}`);
  }
  return `^0*(?:${alternatives.join('|')})$`;
}

const visibility = (metricName: string) => ({ cloudwatchMetricsEnabled: true, metricName, sampledRequestsEnabled: true });
/** The same, in the WAF API's JSON shape (for `rule_json`). */
const ruleVisibility = (metricName: string) => ({ CloudWatchMetricsEnabled: true, MetricName: metricName, SampledRequestsEnabled: true });

/**
 * A regional WAFv2 web ACL on a REST API's stage ({@link IRestApi}): AWS's common
 * and known-bad-inputs rule sets, a rate limit per source IP (429), and a
 * body-size rule at the API's own limit (413), so these requests stop before
 * API Gateway runs the authorizer or the function.
 *
 * @example
 * new ApiWebAcl(stack, 'JobsApiWaf', { api, maxBodyBytes: MAX_BODY_BYTES });
 */
export class ApiWebAcl extends Construct {
  public readonly webAcl: Wafv2WebAcl;
  public readonly webAclArn: string;

  constructor(scope: Construct, id: string, props: ApiWebAclProps) {
    super(scope, id);
    throwIfViolations('ApiWebAcl', this, checkRules('props', props, PROPS_RULES));
    const name = deriveNameFor(this, 'ApiWebAcl', NAME_KINDS.webAcl);
    const metric = name.replace(/[^A-Za-z0-9_-]/g, '-');
    const countOnly = props.commonRulesToCount ?? ['SizeRestrictions_BODY'];

    // Rules as the WAF API's JSON (`rule_json`): cdktf types a rule's statement as `any`, which
    // its HCL export (synth --hcl) writes as an attribute where Terraform wants a block.
    const rules = [
      {
        Name: 'BodyOverApiLimit',
        Priority: 0,
        Action: { Block: { CustomResponse: { ResponseCode: 413, CustomResponseBodyKey: 'body-too-large' } } },
        Statement: {
          RegexMatchStatement: {
            RegexString: decimalAboveRegex(props.maxBodyBytes),
            FieldToMatch: { SingleHeader: { Name: 'content-length' } },
            TextTransformations: [{ Priority: 0, Type: 'NONE' }],
          },
        },
        VisibilityConfig: ruleVisibility(`${metric}-body-size`),
      },
      {
        Name: 'RateLimitPerSourceIp',
        Priority: 1,
        Action: { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'too-many-requests' } } },
        Statement: {
          RateBasedStatement: { Limit: props.requestsPerIpPer5Minutes ?? 1000, AggregateKeyType: 'IP', EvaluationWindowSec: RATE_WINDOW_SECONDS },
        },
        VisibilityConfig: ruleVisibility(`${metric}-rate`),
      },
      managedRuleGroup('AWSManagedRulesCommonRuleSet', 2, `${metric}-common`, countOnly),
      managedRuleGroup('AWSManagedRulesKnownBadInputsRuleSet', 3, `${metric}-bad-inputs`, []),
    ];

    this.webAcl = new Wafv2WebAcl(this, 'WebAcl', {
      name,
      description: `Protects ${props.api.node.path}: managed rule sets, rate per IP, body size`,
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      ruleJson: JSON.stringify(rules),
      customResponseBody: [
        { key: 'body-too-large', contentType: 'APPLICATION_JSON', content: JSON.stringify({ message: `Body is larger than ${props.maxBodyBytes} bytes` }) },
        { key: 'too-many-requests', contentType: 'APPLICATION_JSON', content: JSON.stringify({ message: 'Too Many Requests' }) },
      ],
      visibilityConfig: visibility(metric),
    });
    this.webAclArn = this.webAcl.arn;
    new Wafv2WebAclAssociation(this, 'Association', { resourceArn: props.api.stageArn, webAclArn: this.webAcl.arn });
  }
}

function managedRuleGroup(name: string, priority: number, metricName: string, countOnly: readonly string[]): Record<string, unknown> {
  return {
    Name: name,
    Priority: priority,
    OverrideAction: { None: {} },
    Statement: {
      ManagedRuleGroupStatement: {
        Name: name,
        VendorName: 'AWS',
        ...(countOnly.length > 0 ? { RuleActionOverrides: countOnly.map((rule) => ({ Name: rule, ActionToUse: { Count: {} } })) } : {}),
      },
    },
    VisibilityConfig: ruleVisibility(metricName),
  };
}
