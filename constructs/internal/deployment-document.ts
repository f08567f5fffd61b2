/**
 * What the deployment checks read: the Terraform JSON of every stack of an app,
 * in the shape `cdk.tf.json` has (`resource.<type>.<name>`, `data.<type>.<name>`,
 * `provider.aws[]`, `locals`, a resource's `"//".metadata.path`). A cdktf app,
 * a `cdktf.out` folder, one `cdk.tf.json` and a `terraform show -json` plan are
 * each turned into this one shape, so one pure function checks them all.
 *
 * What the checks read besides Terraform's own arguments (Terraform ignores
 * every `"//"` property of JSON configuration, so these ride along in cdk.tf.json):
 * - `"//".guards.lambdaConcurrencyQuota` at the top of a stack: the Lambda
 *   concurrency quota the stack declares for every account and region it
 *   deploys to (`configureLambdaConcurrency`, the `accountConcurrencyLimit` context).
 * - `"//".guards.keySchema` on an `aws_dynamodb_table`: the key schema the code is
 *   typed from ({@link RecordedKeySchema}), recorded by `ConsistentTable`.
 * - `lifecycle.precondition[].error_message` naming a rule id (`[bucket-name/charset]`):
 *   how the checks see that a value known only at deploy time is checked at plan.
 *
 * A plan (`terraform show -json`) rewritten into this shape: one entry under
 * `resource.<type>` per instance (`x`, `x[0]`, `x["a"]`; no `count`/`for_each`
 * left), the planned values as arguments, `provider: "aws.<alias>"` on a
 * resource using an aliased provider, `provider.aws[]` from the configuration's
 * provider blocks (constant values; anything else as a `${...}` string), and
 * `data.<type>.<name>` with the values read at plan. A value known only after
 * apply is a `${...}` string; where the configuration references another
 * object, `${<its first reference>}` (e.g. `${aws_iam_role.r.arn}`), so checks
 * that follow references (a state machine's role) still can.
 */

/** One stack's Terraform JSON (cdk.tf.json), or a plan rewritten into that shape. */
export type TerraformJson = Readonly<Record<string, unknown>>;

export interface StackDocument {
  /** The stack's name (its cdktf id, or the plan file's name). */
  readonly name: string;
  readonly json: TerraformJson;
}

export interface DeploymentDocument {
  /** Every stack that deploys together: checks that span resources (sums, collisions) span these. */
  readonly stacks: readonly StackDocument[];
  /**
   * True when the values are the ones Terraform will apply (a plan): every
   * string is final, except those a plan marks as known only after apply,
   * which the plan reader writes as a `${...}` expression.
   * False for synthesized JSON, where `${...}` marks deploy-time values.
   */
  readonly valuesResolved: boolean;
}

/** One way what will be deployed breaks a rule, with where, what and how to fix it. */
export interface DeploymentViolation {
  /** Stable rule id, e.g. `bucket-name/lowercase`, `function/unreserved-concurrency`. */
  readonly ruleId: string;
  /** The stack holding the resource. */
  readonly stack: string;
  /** The Terraform address, e.g. `aws_s3_bucket.LambdaCode_Bucket_0C3B9E18`. */
  readonly address: string;
  /**
   * The construct path, when the JSON records one (`"//".metadata.path`).
   * @default none: a resource written without a construct (a stack override, hand-written JSON, a plan)
   */
  readonly constructPath?: string;
  /** The argument holding the offending value, e.g. `bucket`, `reserved_concurrent_executions`. */
  readonly field: string;
  readonly value: unknown;
  /** What the rule requires, phrased to read after "must". */
  readonly requirement: string;
  readonly fix: string;
  /**
   * The other resources a cross-resource rule involves (a collision's other
   * name, the other reservations of a sum), possibly in other stacks.
   * @default none
   */
  readonly alsoInvolves?: readonly ResourceRef[];
}

/** Where a resource is: stack, address, and construct path when the JSON records one. */
export interface ResourceRef {
  readonly stack: string;
  readonly address: string;
  /**
   * The construct path, when the JSON records one.
   * @default none
   */
  readonly constructPath?: string;
}

/** A key schema as `ConsistentTable` records it under `"//".guards.keySchema`. */
export interface RecordedKeySchema {
  readonly hashKey: string;
  /**
   * The sort key.
   * @default none: the table has a partition key only
   */
  readonly rangeKey?: string;
  /** Every key attribute, with its type (`S`, `N`, `B`). */
  readonly attributes: readonly { readonly name: string; readonly type: string }[];
  readonly globalIndexes: readonly { readonly name: string; readonly hashKey: string; readonly rangeKey?: string }[];
  readonly localIndexes: readonly { readonly name: string; readonly rangeKey: string }[];
}

/** Options of the deployment check. */
export interface DeploymentCheckOptions {
  /**
   * The Lambda concurrency quota (Service Quotas `lambda`/`L-B99A9384`) of every
   * account and region, overriding any quota the document declares or a plan read.
   * @default the document's: a plan's `aws_servicequotas_service_quota` value, else the stack's
   * declared quota, else 1000 (assumed: see {@link LambdaQuotaSource})
   */
  readonly lambdaConcurrencyQuota?: number;
}

/** Where the Lambda concurrency quota of one provider configuration of one stack comes from. */
export interface LambdaQuotaSource {
  readonly stack: string;
  /** `aws` or `aws.<alias>`. */
  readonly provider: string;
  readonly quota: number;
  /**
   * `option`: `lambdaConcurrencyQuota` was given; `plan`: read at plan
   * (`data.aws_servicequotas_service_quota`); `declared`: the stack declares it;
   * `assumed`: none of these, so the AWS default (1000) is assumed.
   */
  readonly source: 'option' | 'plan' | 'declared' | 'assumed';
  /** Whether a function of the stack reserves concurrency through this provider configuration (only then does the quota matter). */
  readonly reserves: boolean;
}
