import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { SafeBucket } from '../constructs/safe-bucket';
import { applyStateBackend } from './state-backend';

export interface StateBootstrapStackProps {
  /** Exact name of the state bucket (validated, never rewritten: the backends name it literally). */
  readonly bucketName: string;
  /** The account the bucket is created in: the provider's `allowed_account_ids`. */
  readonly accountId: string;
  readonly region: string;
  /**
   * Tags on every resource that takes tags.
   * @default none
   */
  readonly defaultTags?: Readonly<Record<string, string>>;
}

/**
 * The first deploy: the S3 bucket every environment keeps its Terraform state
 * in. A {@link SafeBucket}: versioned (an overwritten state can be restored),
 * encrypted, TLS-only, all public access blocked. Locking needs no table: the
 * environments' S3 backends lock with a lock file in this bucket (`use_lockfile`).
 *
 * Its own state is a local file (`terraform.<stack id>.tfstate`, ignored by git):
 * the bucket cannot hold the state of the stack that creates it. Keep that file,
 * or import the bucket again (`terraform import`) if it is lost.
 */
export class StateBootstrapStack extends TerraformStack {
  public readonly stateBucket: SafeBucket;

  constructor(scope: Construct, id: string, props: StateBootstrapStackProps) {
    super(scope, id);
    new AwsProvider(this, 'aws', {
      region: props.region,
      allowedAccountIds: [props.accountId],
      defaultTags: props.defaultTags ? [{ tags: { ...props.defaultTags } }] : undefined,
    });
    applyStateBackend(this, { type: 'local' });
    this.stateBucket = new SafeBucket(this, 'State', {
      bucketName: props.bucketName,
      // Old state versions are the way back from a bad apply: keep them longer than the default 30 days.
      noncurrentVersionExpirationDays: 90,
    });
    // Losing this bucket loses every environment's state: Terraform refuses to destroy it.
    this.stateBucket.bucket.addOverride('lifecycle.prevent_destroy', true);
    new TerraformOutput(this, 'state_bucket_name', { value: this.stateBucket.bucketName });
  }
}
