import { Construct, IConstruct } from 'constructs';
import { Grant, IGrantee, grantSid } from './grant';
import { formatArn } from './internal/arn';
import { BUCKET_NAME_RULES, validateName } from './internal/name-rules';
import { throwIfViolations } from './internal/validation';

/**
 * An S3 bucket: one this app makes ({@link SafeBucket}) or one that exists
 * already ({@link SafeBucket.fromBucketName}). Props that take a bucket (a
 * function's `codeBucket`) take this.
 */
export interface IBucket extends IConstruct {
  readonly bucketName: string;
  readonly bucketArn: string;
  /**
   * The customer-managed KMS key the bucket encrypts with; grants then include it.
   * @default none: SSE-S3, or a key the grants need not name
   */
  readonly kmsKeyArn?: string;
  /** Lets `grantee` read objects (`s3:GetObject`, `s3:GetObjectVersion`) and list the bucket. */
  grantRead(grantee: IGrantee): Grant;
  /** Lets `grantee` write objects (`s3:PutObject`, `s3:AbortMultipartUpload`). */
  grantWrite(grantee: IGrantee): Grant;
  /** {@link IBucket.grantRead} and {@link IBucket.grantWrite} together. */
  grantReadWrite(grantee: IGrantee): Grant;
}

/** What a bucket imported with {@link SafeBucket.fromBucketName} needs besides its name. */
export interface ImportedBucketOptions {
  /**
   * The customer-managed KMS key the bucket encrypts with, so grants include `kms:Decrypt` (and `kms:GenerateDataKey` to write).
   * @default none: SSE-S3 or the AWS managed key
   */
  readonly kmsKeyArn?: string;
}

/** Read access to `bucket`'s objects and its listing, plus decryption with its key. */
export function grantReadOn(bucket: IBucket, grantee: IGrantee): Grant {
  let grant = Grant.addToPrincipal({ grantee, sid: grantSid('ReadObjects', bucket), actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${bucket.bucketArn}/*`] });
  grant = grant.combine(Grant.addToPrincipal({ grantee, sid: grantSid('ListBucket', bucket), actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
  if (bucket.kmsKeyArn !== undefined) {
    grant = grant.combine(Grant.addToPrincipal({ grantee, sid: grantSid('DecryptObjects', bucket), actions: ['kms:Decrypt'], resources: [bucket.kmsKeyArn] }));
  }
  return grant;
}

/** Write access to `bucket`'s objects, plus encryption with its key (multipart uploads also decrypt). */
export function grantWriteOn(bucket: IBucket, grantee: IGrantee): Grant {
  let grant = Grant.addToPrincipal({ grantee, sid: grantSid('WriteObjects', bucket), actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [`${bucket.bucketArn}/*`] });
  if (bucket.kmsKeyArn !== undefined) {
    grant = grant.combine(
      Grant.addToPrincipal({ grantee, sid: grantSid('EncryptObjects', bucket), actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [bucket.kmsKeyArn] }),
    );
  }
  return grant;
}

/** A bucket that exists outside this app, by name (validated against S3's naming rules, never rewritten). */
export class ImportedBucket extends Construct implements IBucket {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  public readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, bucketName: string, options: ImportedBucketOptions = {}) {
    super(scope, id);
    throwIfViolations('SafeBucket.fromBucketName', this, validateName('bucketName', bucketName, BUCKET_NAME_RULES));
    this.bucketName = bucketName;
    // Bucket ARNs name neither a region nor an account.
    this.bucketArn = formatArn(this, { service: 's3', region: '', account: '', resource: bucketName });
    this.kmsKeyArn = options.kmsKeyArn;
  }

  public grantRead(grantee: IGrantee): Grant {
    return grantReadOn(this, grantee);
  }

  public grantWrite(grantee: IGrantee): Grant {
    return grantWriteOn(this, grantee);
  }

  public grantReadWrite(grantee: IGrantee): Grant {
    return this.grantRead(grantee).combine(this.grantWrite(grantee));
  }
}
