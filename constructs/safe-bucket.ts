import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { NameRule, guardDeployTimeName, validateName } from './internal/name-rules';
import { fitName, normaliseName } from './internal/naming';
import { accountIdOf, regionOf } from './internal/stack-context';
import { Rule, Violation, checkRules, throwIfViolations } from './internal/validation';

/**
 * S3 general purpose bucket naming rules: the one table behind the synth
 * check, the partial check of names with deploy-time parts, and the plan-time
 * precondition.
 */
export const BUCKET_NAME_RULES: readonly NameRule[] = [
  {
    id: 'bucket-name/min-length',
    requirement: 'be at least 3 characters long',
    fix: 'use a longer name',
    constraint: { kind: 'minLength', min: 3 },
    checkableWhenPartial: false,
  },
  {
    id: 'bucket-name/max-length',
    requirement: 'be at most 63 characters long',
    fix: 'shorten the name, or omit bucketName and let SafeBucket derive one that fits',
    constraint: { kind: 'maxLength', max: 63 },
  },
  {
    id: 'bucket-name/charset',
    requirement: "contain only lowercase letters, digits, '.' and '-'",
    fix: 'lowercase the name and replace other characters with "-"',
    constraint: { kind: 'matches', pattern: '^[a-z0-9.-]*$' },
  },
  {
    id: 'bucket-name/edges',
    requirement: 'start and end with a lowercase letter or a digit',
    fix: 'remove the leading or trailing punctuation',
    constraint: { kind: 'matches', pattern: '^[a-z0-9](.*[a-z0-9])?$' },
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
  {
    id: 'bucket-name/reserved-prefix',
    requirement: "not start with a prefix S3 reserves ('xn--', 'sthree-', 'amzn-s3-demo-')",
    fix: 'choose another start for the name',
    constraint: { kind: 'noPrefix', values: ['xn--', 'sthree-', 'amzn-s3-demo-'] },
  },
  {
    id: 'bucket-name/reserved-suffix',
    requirement: "not end with a suffix S3 reserves ('-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3')",
    fix: 'choose another end for the name',
    constraint: { kind: 'noSuffix', values: ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'] },
  },
];

const BUCKET_NAME_MAX = 63;
/** Worst case of the deploy-time parts of a derived name: a 12-digit account id and a 14-character region. */
const ACCOUNT_ID_LENGTH = 12;
const REGION_MAX_LENGTH = 14;

export type BucketEncryption = { readonly type: 'SSE_S3' } | { readonly type: 'KMS'; readonly kmsKeyArn: string };

export interface SafeBucketProps {
  /**
   * The exact bucket name. It is validated against {@link BUCKET_NAME_RULES}
   * at synth and never rewritten: a bad name is an error that says what to fix.
   * A name with deploy-time parts has its literal parts checked at synth and the
   * whole name checked by a Terraform precondition at plan.
   * @default derived: `<namePrefix>-<purpose>-<account id>-<region>`, normalised
   */
  readonly bucketName?: string;
  /**
   * Start of the derived name. It is normalised (lowercased, invalid characters
   * to '-', repeats collapsed, trimmed) and shortened with a hash when needed.
   * Ignored when `bucketName` is given.
   * @default the stack name
   */
  readonly namePrefix?: string;
  /**
   * What the bucket holds, e.g. `lambda-code`; part of the derived name.
   * @default the construct id
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

export const BUCKET_PROPS_RULES: readonly Rule<SafeBucketProps>[] = [
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
];

/**
 * The literal part of a derived bucket name: normalised, and shortened with a
 * hash so the whole name fits 63 characters even with a 12-digit account id
 * and a 14-character region.
 */
export function deriveBucketNamePrefix(namePrefix: string, purpose: string): string {
  const normalised = normaliseName(`${namePrefix}-${purpose}`, { allowedSeparators: '-', separator: '-' });
  const room = BUCKET_NAME_MAX - (1 + ACCOUNT_ID_LENGTH) - (1 + REGION_MAX_LENGTH);
  return fitName(normalised, room, '-');
}

export function validateSafeBucketProps(props: SafeBucketProps): Violation[] {
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
export class SafeBucket extends Construct {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  public readonly bucket: S3Bucket;

  constructor(scope: Construct, id: string, props: SafeBucketProps = {}) {
    super(scope, id);
    throwIfViolations('SafeBucket', this, validateSafeBucketProps(props));

    const requestedName =
      props.bucketName ??
      [
        deriveBucketNamePrefix(props.namePrefix ?? TerraformStack.of(this).node.id, props.purpose ?? id),
        accountIdOf(this),
        regionOf(this),
      ].join('-');

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

}
