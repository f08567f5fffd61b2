import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { IBucket, ImportedBucket, ImportedBucketOptions, grantReadOn, grantWriteOn } from './bucket-ref';
import { Grant, IGrantee } from './grant';
import { BUCKET_NAME_RULES, NAME_KINDS, derivationSpecOf, deriveNameFor, guardDeployTimeName, namePartsOf, validateName } from './internal/name-rules';
import { deriveName } from './internal/naming';
import { installDeploymentChecks } from './internal/deployment-guard';
import { accountIdOf, regionOf } from './internal/stack-context';
import { Rule, Violation, checkRules, throwIfViolations } from './internal/validation';

/**
 * Worst case of the deploy-time end of a derived name, `-<account id>-<region>`:
 * a 12-digit account id and a 15-character region (`us-isof-south-1`).
 */
export const LONGEST_ACCOUNT_AND_REGION_SUFFIX = `-${'0'.repeat(12)}-us-isof-south-1`;

export type BucketEncryption = { readonly type: 'SSE_S3' } | { readonly type: 'KMS'; readonly kmsKeyArn: string };

export interface SafeBucketProps {
  /**
   * The exact bucket name. It is validated against S3's naming rules (rule ids
   * `bucket-name/*`) at synth and never rewritten: a bad name is an error that says what to fix.
   * A name with deploy-time parts has its literal parts checked at synth and the
   * whole name checked by a Terraform precondition at plan.
   * @default derived: `<namePrefix>-<purpose>-<account id>-<region>`, built to pass
   * those rules whatever account and region follow (lowercased, cut with a hash to fit 63 characters)
   */
  readonly bucketName?: string;
  /**
   * Start of the derived name. It is normalised (lowercased, invalid characters
   * to '-', repeats collapsed, trimmed) and shortened with a hash when needed.
   * It must be a literal: a deploy-time value cannot be normalised without
   * rewriting it (give the whole name as `bucketName` instead).
   * Ignored when `bucketName` is given.
   * @default the stack name
   */
  readonly namePrefix?: string;
  /**
   * What the bucket holds, e.g. `lambda-code`; part of the derived name. A literal, like `namePrefix`.
   * @default the construct's path within the stack (its id, for a construct made directly in the stack)
   */
  readonly purpose?: string;
  /**
   * Server-side encryption.
   * @default { type: 'SSE_S3' }
   */
  readonly encryption?: BucketEncryption;
  /**
   * Days after which noncurrent object versions are deleted.
   * @default 30
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Let `terraform destroy` delete a bucket that still holds objects.
   * @default false
   */
  readonly forceDestroy?: boolean;
}

const BUCKET_PROPS_RULES: readonly Rule<SafeBucketProps>[] = [
  {
    id: 'bucket/noncurrent-expiration',
    field: 'noncurrentVersionExpirationDays',
    pick: (p) => p.noncurrentVersionExpirationDays,
    requirement: 'set noncurrentVersionExpirationDays to a whole number of days of at least 1',
    check: (p) => p.noncurrentVersionExpirationDays === undefined || (Number.isInteger(p.noncurrentVersionExpirationDays) && p.noncurrentVersionExpirationDays >= 1),
    fix: 'use a positive whole number',
  },
  {
    id: 'bucket/kms-key',
    field: 'encryption',
    pick: (p) => p.encryption,
    requirement: 'give a KMS key ARN when encryption is KMS',
    check: (p) => p.encryption?.type !== 'KMS' || p.encryption.kmsKeyArn.length > 0,
    fix: "pass encryption: { type: 'KMS', kmsKeyArn: key.arn }",
  },
  ...(['namePrefix', 'purpose'] as const).map(
    (field): Rule<SafeBucketProps> => ({
      id: 'bucket/literal-name-part',
      field,
      pick: (p) => p[field],
      requirement: 'be a literal string: a deploy-time value would have to be rewritten (lowercased) to derive a valid name',
      check: (p) => p[field] === undefined || !Token.isUnresolved(p[field]),
      fix: 'give the whole name as bucketName instead: its literal parts are checked at synth and the resolved name at plan',
    }),
  ),
];

/**
 * The literal part of a derived bucket name, built to pass
 * {@link BUCKET_NAME_RULES} with any account id and region after it: lowercase,
 * never starting with a reserved prefix, never empty (a hash of `hashSeed`
 * stands in for characters normalisation drops), and cut with a hash so the
 * whole name fits 63 characters with a 12-digit account id and a 15-character region.
 */
export function deriveBucketNamePrefix(namePrefix: string, purpose: string, hashSeed = `${namePrefix}/${purpose}`): string {
  return deriveName(derivationSpecOf(NAME_KINDS.bucket), [namePrefix, purpose], hashSeed, { sample: LONGEST_ACCOUNT_AND_REGION_SUFFIX });
}

function validateSafeBucketProps(props: SafeBucketProps): Violation[] {
  const violations = checkRules('props', props, BUCKET_PROPS_RULES);
  if (props.bucketName !== undefined) {
    violations.push(...validateName('bucketName', props.bucketName, BUCKET_NAME_RULES));
  }
  return violations;
}

/**
 * An S3 bucket that cannot be created with an invalid name (seed failure 1)
 * and is secure by default: public access blocked, encryption, versioning,
 * bucket-owner-enforced ownership, TLS-only access, noncurrent versions expired.
 *
 * @example
 * new SafeBucket(stack, 'LambdaCode', { purpose: 'lambda-code' });
 * // TapStack -> "tapstack-lambda-code-<account id>-<region>"
 */
export class SafeBucket extends Construct implements IBucket {
  /**
   * A bucket that exists outside this app, by name: validated against S3's naming rules
   * (never rewritten), its ARN in the stack's partition. Works wherever an {@link IBucket} is taken.
   */
  public static fromBucketName(scope: Construct, id: string, bucketName: string, options: ImportedBucketOptions = {}): IBucket {
    return new ImportedBucket(scope, id, bucketName, options);
  }

  public readonly bucketName: string;
  public readonly bucketArn: string;
  /** The customer-managed key, when `encryption` is KMS. */
  public readonly kmsKeyArn?: string;
  public readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: SafeBucketProps = {}) {
    super(scope, id);
    throwIfViolations('SafeBucket', this, validateSafeBucketProps(props));

    installDeploymentChecks(this);

    const requestedName = props.bucketName ?? `${this.derivedNamePrefix(props)}-${accountIdOf(this)}-${regionOf(this)}`;

    const { name, lifecycle } = guardDeployTimeName(this, 'SafeBucket', 'bucket name', requestedName, BUCKET_NAME_RULES);
    this.bucket = new S3Bucket(this, 'Bucket', {
      bucket: name,
      forceDestroy: props.forceDestroy ?? false,
      lifecycle,
    });
    this.bucketName = this.bucket.bucket;
    this.bucketArn = this.bucket.arn;

    const publicAccessBlock = new S3BucketPublicAccessBlock(this, 'PublicAccessBlock', {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, 'OwnershipControls', {
      bucket: this.bucket.id,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    });
    const encryption = props.encryption ?? { type: 'SSE_S3' };
    this.kmsKeyArn = encryption.type === 'KMS' ? encryption.kmsKeyArn : undefined;
    new S3BucketServerSideEncryptionConfigurationA(this, 'Encryption', {
      bucket: this.bucket.id,
      rule: [
        encryption.type === 'KMS'
          ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: encryption.kmsKeyArn }, bucketKeyEnabled: true }
          : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
      ],
    });
    const versioning = new S3BucketVersioningA(this, 'Versioning', {
      bucket: this.bucket.id,
      versioningConfiguration: { status: 'Enabled' },
    });
    new S3BucketLifecycleConfiguration(this, 'Lifecycle', {
      bucket: this.bucket.id,
      rule: [
        {
          id: 'expire-noncurrent-versions',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.noncurrentVersionExpirationDays ?? 30 }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
        },
      ],
      // S3 rejects lifecycle rules on noncurrent versions until versioning is on.
      dependsOn: [versioning],
    });

    const tlsOnly = new DataAwsIamPolicyDocument(this, 'TlsOnlyPolicy', {
      statement: [
        {
          sid: 'DenyInsecureTransport',
          effect: 'Deny',
          principals: [{ type: '*', identifiers: ['*'] }],
          actions: ['s3:*'],
          resources: [this.bucketArn, `${this.bucketArn}/*`],
          condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
        },
      ],
    });
    new S3BucketPolicy(this, 'Policy', {
      bucket: this.bucket.id,
      policy: tlsOnly.json,
      // A policy put before the public access block is in place can be rejected as public.
      dependsOn: [publicAccessBlock],
    });
  }

  /** Lets `grantee` read objects (`s3:GetObject`, `s3:GetObjectVersion`) and list the bucket (and decrypt with its KMS key). */
  public grantRead(grantee: IGrantee): Grant {
    return grantReadOn(this, grantee);
  }

  /** Lets `grantee` write objects (`s3:PutObject`, `s3:AbortMultipartUpload`) (and encrypt with its KMS key). */
  public grantWrite(grantee: IGrantee): Grant {
    return grantWriteOn(this, grantee);
  }

  /** {@link SafeBucket.grantRead} and {@link SafeBucket.grantWrite} together. */
  public grantReadWrite(grantee: IGrantee): Grant {
    return this.grantRead(grantee).combine(this.grantWrite(grantee));
  }

  private derivedNamePrefix(props: SafeBucketProps): string {
    const [stackName, ...pathInStack] = namePartsOf(this);
    const parts = [props.namePrefix ?? stackName, ...(props.purpose !== undefined ? [props.purpose] : pathInStack)];
    return deriveNameFor(this, 'SafeBucket', NAME_KINDS.bucket, { parts, suffix: { sample: LONGEST_ACCOUNT_AND_REGION_SUFFIX } });
  }
}
