import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { resolvedText } from '../../constructs/internal/synthesized';
import { ECHO_ENTRY, guardErrorOf, newStack, onlyResource, synth } from '../helpers/stacks';

const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('SafeBucket.fromBucketName: a bucket a team already has', () => {
  it('validates the name as a new bucket name is (never rewritten), one item per problem', () => {
    const { stack } = newStack();
    const error = guardErrorOf(() => SafeBucket.fromBucketName(stack, 'Legacy', 'TapStack-lambda-code-123456789012'));
    expect(error.constructPath).toBe('TapStack/Legacy');
    expect(error.violations.map((v) => v.ruleId)).toEqual(['bucket-name/charset']);
  });

  it('is a code bucket: the function uploads its zip there and loads from it', () => {
    const { stack } = newStack();
    const codeBucket = SafeBucket.fromBucketName(stack, 'Shared', 'acme-shared-lambda-code');
    new UnreservedFunction(stack, 'Fn', { entry: ECHO_ENTRY, codeBucket });
    const { json } = synth(stack);
    expect(json.resource.aws_s3_bucket).toBeUndefined();
    expect(onlyResource(json, 'aws_s3_object').bucket).toBe('acme-shared-lambda-code');
    expect(onlyResource(json, 'aws_lambda_function').s3_bucket).toBe('acme-shared-lambda-code');
  });

  it('grants read (objects, listing) and write on its partition-aware ARN, and its key when it has one', () => {
    const { stack } = newStack();
    const role = new LeastPrivilegeRole(stack, 'Worker', { assumedBy: 'lambda.amazonaws.com' });
    const bucket = SafeBucket.fromBucketName(stack, 'Shared', 'acme-shared', { kmsKeyArn: KEY });
    expect(resolvedText(stack, bucket.bucketArn)).toBe('arn:${data.aws_partition.Partition.partition}:s3:::acme-shared');
    const grant = bucket.grantReadWrite(role);
    expect(grant.statements.map((s) => [s.sid, s.actions])).toEqual([
      ['ReadObjectsShared', ['s3:GetObject', 's3:GetObjectVersion']],
      ['ListBucketShared', ['s3:ListBucket']],
      ['DecryptObjectsShared', ['kms:Decrypt']],
      ['WriteObjectsShared', ['s3:PutObject', 's3:AbortMultipartUpload']],
      ['EncryptObjectsShared', ['kms:Decrypt', 'kms:GenerateDataKey']],
    ]);
    expect(grant.resources).toEqual([`${bucket.bucketArn}/*`, bucket.bucketArn, KEY]);
  });

  it('gives a SafeBucket the same grants, with its own KMS key', () => {
    const { stack } = newStack();
    const role = new LeastPrivilegeRole(stack, 'Worker', { assumedBy: 'lambda.amazonaws.com' });
    const bucket = new SafeBucket(stack, 'Data', { encryption: { type: 'KMS', kmsKeyArn: KEY } });
    expect(bucket.grantRead(role).resources).toEqual([`${bucket.bucketArn}/*`, bucket.bucketArn, KEY]);
    expect(bucket.grantWrite(role).actions).toEqual(['s3:PutObject', 's3:AbortMultipartUpload', 'kms:Decrypt', 'kms:GenerateDataKey']);
  });
});
