/**
 * What the deployment checks read: the Terraform JSON of every stack of an app,
 * in the shape `cdk.tf.json` has (`resource.<type>.<name>`, `data.<type>.<name>`,
 * `provider.aws[]`, `locals`, a resource's `"//".metadata.path`). A cdktf app,
 * a `cdktf.out` folder, one `cdk.tf.json` and a `terraform show -json` plan are
 * each turned into this one shape, so one pure function checks them all.
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
  /** The construct path, when the JSON records one (`"//".metadata.path`). */
  readonly constructPath?: string;
  /** The argument holding the offending value, e.g. `bucket`, `reserved_concurrent_executions`. */
  readonly field: string;
  readonly value: unknown;
  /** What the rule requires, phrased to read after "must". */
  readonly requirement: string;
  readonly fix: string;
}
