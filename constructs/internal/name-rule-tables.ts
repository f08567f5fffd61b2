/**
 * The naming rule tables, as data: one per kind of named resource, the single
 * source of truth for explicit names (validated, never rewritten), derived
 * names (built to pass them), the collision check (which resources share a
 * namespace), the plan-time preconditions and the deployment check, which reads
 * them without cdktf (so this module imports none; name-rules.ts adds the cdktf side).
 */
import { DerivationSpec } from './naming';

/**
 * A naming constraint as data, so that one table drives three checks:
 * the synth-time check of a literal name, the synth-time check of the literal
 * parts of a name that holds deploy-time tokens, and the Terraform
 * `precondition` that checks the resolved name at plan.
 *
 * Patterns are written in the subset shared by JavaScript and RE2 (Terraform's
 * `regex`), without backslashes, so the same string works in both.
 */
export type NameConstraint =
  | { readonly kind: 'minLength'; readonly min: number }
  | { readonly kind: 'maxLength'; readonly max: number }
  | { readonly kind: 'matches'; readonly pattern: string }
  | { readonly kind: 'doesNotMatch'; readonly pattern: string }
  | { readonly kind: 'noPrefix'; readonly values: readonly string[] }
  | { readonly kind: 'noSuffix'; readonly values: readonly string[] };

export interface NameRule {
  readonly id: string;
  readonly requirement: string;
  readonly fix: string;
  readonly constraint: NameConstraint;
  /**
   * Whether the rule can be judged on a name whose deploy-time parts are
   * replaced by a placeholder. Rules that depend on the exact whole value
   * (minimum length, "is an IP address") are left to the precondition.
   * @default true
   */
  readonly checkableWhenPartial?: boolean;
}


/** A digit: valid at any position of every name this project validates. */
export const TOKEN_PLACEHOLDER = '0';

export function satisfiesConstraint(name: string, constraint: NameConstraint): boolean {
  switch (constraint.kind) {
    case 'minLength':
      return name.length >= constraint.min;
    case 'maxLength':
      return name.length <= constraint.max;
    case 'matches':
      return new RegExp(constraint.pattern).test(name);
    case 'doesNotMatch':
      return !new RegExp(constraint.pattern).test(name);
    case 'noPrefix':
      return !constraint.values.some((prefix) => name.startsWith(prefix));
    case 'noSuffix':
      return !constraint.values.some((suffix) => name.endsWith(suffix));
  }
}

// ---------------------------------------------------------------------------
// The rule tables: one per kind of named resource, the single source of truth
// for explicit names (validated, never rewritten), derived names (built to
// pass them) and the collision check (which resources share a namespace).
// ---------------------------------------------------------------------------

function lengthRules(prefix: string, min: number, max: number, fix: string): NameRule[] {
  return [
    {
      id: `${prefix}/min-length`,
      requirement: min === 1 ? 'not be empty' : `be at least ${min} characters long`,
      fix: 'give a longer name, or omit it and let the construct derive one',
      constraint: { kind: 'minLength', min },
      checkableWhenPartial: false,
    },
    {
      id: `${prefix}/max-length`,
      requirement: `be at most ${max} characters long`,
      fix,
      constraint: { kind: 'maxLength', max },
    },
  ];
}

/** The prefixes S3 reserves for every bucket name, general purpose and directory alike. */
export const S3_RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'] as const;

/** The reserved-prefix rule of one kind of S3 bucket name (its id under that kind's prefix). */
function s3ReservedPrefixRule(kind: 'bucket-name' | 'directory-bucket-name'): NameRule {
  return {
    id: `${kind}/reserved-prefix`,
    requirement: `not start with a prefix S3 reserves (${S3_RESERVED_PREFIXES.map((p) => `'${p}'`).join(', ')})`,
    fix: 'choose another start for the name',
    constraint: { kind: 'noPrefix', values: S3_RESERVED_PREFIXES },
  };
}

/** S3 general purpose bucket naming rules. */
export const BUCKET_NAME_RULES: readonly NameRule[] = [
  ...lengthRules('bucket-name', 3, 63, 'shorten the name, or omit bucketName and let SafeBucket derive one that fits'),
  {
    id: 'bucket-name/charset',
    requirement: "contain only lowercase letters, digits, '.' and '-'",
    fix: 'lowercase the name and replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[a-z0-9.-]*$' },
  },
  {
    // Letters of either case: an uppercase letter is the charset rule's problem, not listed twice.
    id: 'bucket-name/edges',
    requirement: 'start and end with a letter or a digit',
    fix: 'remove the leading or trailing punctuation',
    constraint: { kind: 'matches', pattern: '^([A-Za-z0-9](.*[A-Za-z0-9])?)?$' },
  },
  {
    id: 'bucket-name/adjacent-punctuation',
    requirement: "not contain '..', '.-' or '-.'",
    fix: 'keep a letter or digit between dots and hyphens',
    constraint: { kind: 'doesNotMatch', pattern: '[.][.]|[.]-|-[.]' },
  },
  {
    id: 'bucket-name/not-ip-address',
    requirement: 'not be formatted as an IPv4 address',
    fix: 'use a name made of words',
    constraint: { kind: 'doesNotMatch', pattern: '^[0-9]{1,3}([.][0-9]{1,3}){3}$' },
    checkableWhenPartial: false,
  },
  s3ReservedPrefixRule('bucket-name'),
  {
    id: 'bucket-name/reserved-suffix',
    requirement: "not end with a suffix S3 reserves ('-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3')",
    fix: 'choose another end for the name',
    constraint: { kind: 'noSuffix', values: ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'] },
  },
];

/**
 * S3 directory bucket (S3 Express One Zone) naming rules: `<base>--<zone id>--x-s3`, 3 to 63
 * characters with the suffix, lowercase letters, digits and '-' only (no dots), starting and ending
 * with a letter or a digit, and the general purpose buckets' reserved prefixes. That the zone id is
 * the one of `location` is S3's to check at apply.
 */
export const DIRECTORY_BUCKET_NAME_RULES: readonly NameRule[] = [
  ...lengthRules('directory-bucket-name', 3, 63, 'shorten the base name (the part before --<zone id>--x-s3)'),
  {
    id: 'directory-bucket-name/charset',
    requirement: "contain only lowercase letters, digits and '-'",
    fix: 'lowercase the name and replace other characters (dots included) with "-"',
    constraint: { kind: 'matches', pattern: '^[a-z0-9-]*$' },
  },
  {
    id: 'directory-bucket-name/edges',
    requirement: 'start and end with a letter or a digit',
    fix: 'remove the leading punctuation',
    constraint: { kind: 'matches', pattern: '^([A-Za-z0-9](.*[A-Za-z0-9])?)?$' },
  },
  {
    id: 'directory-bucket-name/zone-suffix',
    requirement: 'end with --<zone id>--x-s3 (for example --use1-az4--x-s3)',
    fix: 'append "--" and the zone id of its location, then "--x-s3"',
    constraint: { kind: 'matches', pattern: '--[a-z0-9]+(-[a-z0-9]+)*--x-s3$' },
    checkableWhenPartial: false,
  },
  s3ReservedPrefixRule('directory-bucket-name'),
];

export const FUNCTION_NAME_RULES: readonly NameRule[] = [
  ...lengthRules('function-name', 1, 64, 'shorten the name, or omit functionName and let UnreservedFunction derive one that fits'),
  {
    id: 'function-name/charset',
    requirement: "contain only letters, digits, '-' and '_'",
    fix: 'replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9_-]*$' },
  },
];

export const STATE_MACHINE_NAME_RULES: readonly NameRule[] = [
  ...lengthRules('state-machine-name', 1, 80, 'shorten the name'),
  {
    id: 'state-machine-name/charset',
    requirement: "contain only letters, digits, '-' and '_'",
    fix: 'replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9_-]*$' },
  },
];

export const TABLE_NAME_RULES: readonly NameRule[] = [
  ...lengthRules('table-name', 3, 255, 'shorten the name'),
  {
    id: 'table-name/charset',
    requirement: "contain only letters, digits, '_', '-' and '.'",
    fix: 'replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9_.-]*$' },
  },
];

/** DynamoDB index names follow the table name rules. */
export const INDEX_NAME_RULES: readonly NameRule[] = TABLE_NAME_RULES.map((rule) => ({
  ...rule,
  id: rule.id.replace('table-name', 'index-name'),
}));

/**
 * IAM role names: 1-64 of `[\w+=,.@-]`; IAM compares them ignoring case. The one table for
 * names a construct derives and names a user gives (an existing role's name).
 */
export const ROLE_NAME_RULES: readonly NameRule[] = [
  {
    id: 'role-name/min-length',
    requirement: 'not be empty',
    fix: "give the role's name: the last part of its ARN",
    constraint: { kind: 'minLength', min: 1 },
    checkableWhenPartial: false,
  },
  {
    id: 'role-name/max-length',
    requirement: 'be at most 64 characters long',
    fix: 'give the role name, not its ARN or path, or shorten it',
    constraint: { kind: 'maxLength', max: 64 },
  },
  {
    id: 'role-name/charset',
    requirement: "contain only letters, digits and '+=,.@_-'",
    fix: 'replace other characters; a path ("/") belongs in the ARN, not the name: give the last part of the role ARN only',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9+=,.@_-]*$' },
  },
];

export const LOG_GROUP_NAME_RULES: readonly NameRule[] = [
  ...lengthRules('log-group-name', 1, 512, 'shorten the name'),
  {
    id: 'log-group-name/charset',
    requirement: "contain only letters, digits and '._/#-'",
    fix: 'replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9._/#-]*$' },
  },
];

/** Standard SNS topics (a `.fifo` suffix would ask for a FIFO topic, so '.' is not offered). */
export const TOPIC_NAME_RULES: readonly NameRule[] = [
  ...lengthRules('topic-name', 1, 256, 'shorten the name'),
  {
    id: 'topic-name/charset',
    requirement: "contain only letters, digits, '-' and '_'",
    fix: 'replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9_-]*$' },
  },
];

/** REST API names: this project's convention (API Gateway itself accepts more, and duplicates). */
export const REST_API_NAME_RULES: readonly NameRule[] = [
  ...lengthRules('rest-api-name', 1, 128, 'shorten the name'),
  {
    id: 'rest-api-name/charset',
    requirement: "contain only letters, digits, '-' and '_'",
    fix: 'replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9_-]*$' },
  },
];

/** CloudWatch alarm names: this project's convention (CloudWatch itself accepts any printable text). */
export const ALARM_NAME_RULES: readonly NameRule[] = [
  ...lengthRules('alarm-name', 1, 255, 'shorten the name'),
  {
    id: 'alarm-name/charset',
    requirement: "contain only letters, digits, '-' and '_'",
    fix: 'replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9_-]*$' },
  },
];

/** WAFv2 web ACL names (1 to 128 of letters, digits, '-' and '_'). */
export const WEB_ACL_NAME_RULES: readonly NameRule[] = [
  ...lengthRules('web-acl-name', 1, 128, 'shorten the name'),
  {
    id: 'web-acl-name/charset',
    requirement: "contain only letters, digits, '-' and '_'",
    fix: 'replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[A-Za-z0-9_-]*$' },
  },
];

/** Where a physical name must be unique: S3 bucket names are global, IAM names per account, the rest per account and region. */
export type NameScope = 'global' | 'account' | 'account-region' | 'none';

/** One kind of named resource: its rule table, how names are derived, and its namespace. */
export interface NameKind {
  readonly resource: string;
  readonly rules: readonly NameRule[];
  /** How a derived name is normalised: lowercase or not, and the separators kept. */
  readonly derivation: { readonly lowercase: boolean; readonly keep: string };
  readonly terraformType: string;
  /** The Terraform attribute holding the physical name. */
  readonly nameAttribute: string;
  readonly uniqueWithin: NameScope;
}

export const NAME_KINDS = {
  bucket: {
    resource: 'S3 bucket',
    rules: BUCKET_NAME_RULES,
    // No dots: they break virtual-hosted TLS (the certificate covers one label).
    derivation: { lowercase: true, keep: '-' },
    terraformType: 'aws_s3_bucket',
    nameAttribute: 'bucket',
    uniqueWithin: 'global',
  },
  directoryBucket: {
    resource: 'S3 directory bucket',
    rules: DIRECTORY_BUCKET_NAME_RULES,
    derivation: { lowercase: true, keep: '-' },
    terraformType: 'aws_s3_directory_bucket',
    nameAttribute: 'bucket',
    // Unique within its zone, across accounts; the zone id is part of the name, so equal names are in one zone.
    uniqueWithin: 'global',
  },
  function: {
    resource: 'Lambda function',
    rules: FUNCTION_NAME_RULES,
    derivation: { lowercase: false, keep: '-_' },
    terraformType: 'aws_lambda_function',
    nameAttribute: 'function_name',
    uniqueWithin: 'account-region',
  },
  role: {
    resource: 'IAM role',
    rules: ROLE_NAME_RULES,
    derivation: { lowercase: false, keep: '-_' },
    terraformType: 'aws_iam_role',
    nameAttribute: 'name',
    uniqueWithin: 'account',
  },
  stateMachine: {
    resource: 'Step Functions state machine',
    rules: STATE_MACHINE_NAME_RULES,
    derivation: { lowercase: false, keep: '-_' },
    terraformType: 'aws_sfn_state_machine',
    nameAttribute: 'name',
    uniqueWithin: 'account-region',
  },
  table: {
    resource: 'DynamoDB table',
    rules: TABLE_NAME_RULES,
    derivation: { lowercase: false, keep: '-_.' },
    terraformType: 'aws_dynamodb_table',
    nameAttribute: 'name',
    uniqueWithin: 'account-region',
  },
  logGroup: {
    resource: 'CloudWatch log group',
    rules: LOG_GROUP_NAME_RULES,
    derivation: { lowercase: false, keep: '-_./' },
    terraformType: 'aws_cloudwatch_log_group',
    nameAttribute: 'name',
    uniqueWithin: 'account-region',
  },
  topic: {
    resource: 'SNS topic',
    rules: TOPIC_NAME_RULES,
    derivation: { lowercase: false, keep: '-_' },
    terraformType: 'aws_sns_topic',
    nameAttribute: 'name',
    uniqueWithin: 'account-region',
  },
  restApi: {
    resource: 'API Gateway REST API',
    rules: REST_API_NAME_RULES,
    derivation: { lowercase: false, keep: '-_' },
    terraformType: 'aws_api_gateway_rest_api',
    nameAttribute: 'name',
    // API Gateway accepts two APIs with one name; they differ by id.
    uniqueWithin: 'none',
  },
  alarm: {
    resource: 'CloudWatch alarm',
    rules: ALARM_NAME_RULES,
    derivation: { lowercase: false, keep: '-_' },
    terraformType: 'aws_cloudwatch_metric_alarm',
    nameAttribute: 'alarm_name',
    uniqueWithin: 'account-region',
  },
  webAcl: {
    resource: 'WAF web ACL',
    rules: WEB_ACL_NAME_RULES,
    derivation: { lowercase: false, keep: '-_' },
    terraformType: 'aws_wafv2_web_acl',
    nameAttribute: 'name',
    uniqueWithin: 'account-region',
  },
} as const satisfies Record<string, NameKind>;

export type NameKindId = keyof typeof NAME_KINDS;

/** The derivation limits of a kind, read from its rule table (so the table stays the one source). */
export function derivationSpecOf(kind: NameKind): DerivationSpec {
  const constraints = kind.rules.map((rule) => rule.constraint);
  const pick = <K extends NameConstraint['kind']>(k: K) => constraints.filter((c): c is Extract<NameConstraint, { kind: K }> => c.kind === k);
  return {
    ...kind.derivation,
    minLength: Math.max(1, ...pick('minLength').map((c) => c.min)),
    maxLength: Math.min(...pick('maxLength').map((c) => c.max)),
    reservedPrefixes: pick('noPrefix').flatMap((c) => c.values),
    reservedSuffixes: pick('noSuffix').flatMap((c) => c.values),
  };
}

/** A string as an HCL quoted literal: JSON's escapes, with template sequences escaped too. */
export function hclStringLiteral(text: string): string {
  return JSON.stringify(text).replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

/**
 * The Terraform expression (HCL text, without `${}`) that is true when the
 * string expression `name` satisfies `constraint`: the plan-time form of
 * {@link satisfiesConstraint}, for checks that write preconditions from JSON.
 */
export function hclCondition(name: string, constraint: NameConstraint): string {
  const list = (values: readonly string[], fn: string) => `[${values.map((v) => `${fn}(${name}, ${hclStringLiteral(v)})`).join(', ')}]`;
  switch (constraint.kind) {
    case 'minLength':
      return `length(${name}) >= ${constraint.min}`;
    case 'maxLength':
      return `length(${name}) <= ${constraint.max}`;
    case 'matches':
      return `can(regex(${hclStringLiteral(constraint.pattern)}, ${name}))`;
    case 'doesNotMatch':
      return `!can(regex(${hclStringLiteral(constraint.pattern)}, ${name}))`;
    case 'noPrefix':
      return `!anytrue(${list(constraint.values, 'startswith')})`;
    case 'noSuffix':
      return `!anytrue(${list(constraint.values, 'endswith')})`;
  }
}
