import { readFileSync } from 'fs';
import { join } from 'path';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { TerraformVariable } from 'cdktf';
import { SafeBucket, deriveBucketNamePrefix } from '../../constructs/safe-bucket';
import { BUCKET_NAME_RULES } from '../../constructs/internal/name-rules';
import { errorOf, newStack, onlyResource, synth } from '../helpers/stacks';

describe('SafeBucket name guard (seed failure 1)', () => {
  it('derives a valid lowercase name for a stack named TapStack', () => {
    const { stack } = newStack('TapStack');
    new SafeBucket(stack, 'LambdaCode', { purpose: 'lambda-code' });
    const { json } = synth(stack);
    const localName = Object.entries(json.locals ?? {}).find(([key]) => key.startsWith('LambdaCode_ResolvedName'))?.[1];
    expect(localName).toBe(
      'tapstack-lambda-code-${data.aws_caller_identity.CallerIdentity.account_id}-${data.aws_region.Region.name}',
    );
  });

  it.each([
    ['My-Bucket', 'bucket-name/charset'],
    ['ab', 'bucket-name/min-length'],
    ['a'.repeat(64), 'bucket-name/max-length'],
    ['-bucket', 'bucket-name/edges'],
    ['bucket-', 'bucket-name/edges'],
    ['my..bucket', 'bucket-name/adjacent-punctuation'],
    ['my.-bucket', 'bucket-name/adjacent-punctuation'],
    ['my-.bucket', 'bucket-name/adjacent-punctuation'],
    ['192.168.5.4', 'bucket-name/not-ip-address'],
    ['xn--bucket', 'bucket-name/reserved-prefix'],
    ['sthree-bucket', 'bucket-name/reserved-prefix'],
    ['amzn-s3-demo-bucket', 'bucket-name/reserved-prefix'],
    ['bucket-s3alias', 'bucket-name/reserved-suffix'],
    ['bucket--ol-s3', 'bucket-name/reserved-suffix'],
    ['bucket.mrap', 'bucket-name/reserved-suffix'],
    ['bucket--x-s3', 'bucket-name/reserved-suffix'],
    ['bucket--table-s3', 'bucket-name/reserved-suffix'],
  ])('rejects the explicit name %s with rule %s, naming the path, value and fix', (bucketName, ruleId) => {
    const { stack } = newStack();
    const message = errorOf(() => new SafeBucket(stack, 'Data', { bucketName }));
    expect(message).toContain("SafeBucket at 'TapStack/Data'");
    expect(message).toContain(`[${ruleId}]`);
    expect(message).toContain(`"${bucketName}"`);
    expect(message).toContain('Fix:');
  });

  it('reports every broken rule at once', () => {
    const { stack } = newStack();
    const message = errorOf(() => new SafeBucket(stack, 'Data', { bucketName: 'XN--Bad..Name-' }));
    expect(message).toContain('problems');
    for (const ruleId of ['bucket-name/charset', 'bucket-name/edges', 'bucket-name/adjacent-punctuation']) {
      expect(message).toContain(`[${ruleId}]`);
    }
  });

  it('refuses with the block docs/constructs.md shows, word for word', () => {
    const { stack } = newStack('TapStack');
    const message = errorOf(() => new SafeBucket(stack, 'Data', { bucketName: 'TapStack_Code-' }));
    const page = readFileSync(join(__dirname, '..', '..', 'docs', 'constructs.md'), 'utf8');
    expect(page).toContain(`\`\`\`text\n${message}\n\`\`\``);
  });

  it('never rewrites an explicit valid name', () => {
    const { stack } = newStack();
    new SafeBucket(stack, 'Data', { bucketName: 'my.valid-bucket.name' });
    expect(onlyResource(synth(stack).json, 'aws_s3_bucket').bucket).toBe('my.valid-bucket.name');
  });

  it('validates the literal parts of a name with deploy-time tokens at synth', () => {
    const { stack } = newStack();
    const suffix = new TerraformVariable(stack, 'suffix', { type: 'string' });
    const message = errorOf(() => new SafeBucket(stack, 'Data', { bucketName: `My_Bucket-${suffix.stringValue}` }));
    expect(message).toContain('[bucket-name/charset]');
    expect(message).toContain('My_Bucket-${deploy-time value}');
  });

  it('adds one plan-time precondition per rule to a name with deploy-time parts', () => {
    const { stack } = newStack();
    const suffix = new TerraformVariable(stack, 'suffix', { type: 'string' });
    new SafeBucket(stack, 'Data', { bucketName: `data-${suffix.stringValue}` });
    const bucket = onlyResource(synth(stack).json, 'aws_s3_bucket');
    const preconditions = bucket.lifecycle.precondition as { condition: string; error_message: string }[];
    expect(preconditions).toHaveLength(BUCKET_NAME_RULES.length);
    expect(preconditions.map((p) => p.error_message.match(/\[([a-z-/]+)\]/)?.[1])).toEqual(BUCKET_NAME_RULES.map((r) => r.id));
    expect(preconditions[0].condition).toMatch(/^\$\{.*local\.Data_ResolvedName_\w+.*\}$/);
  });

  it('gives a literal name no preconditions: it was fully checked at synth', () => {
    const { stack } = newStack();
    new SafeBucket(stack, 'Data', { bucketName: 'plain-name' });
    expect(onlyResource(synth(stack).json, 'aws_s3_bucket').lifecycle).toBeUndefined();
  });
});

describe('deriveBucketNamePrefix', () => {
  it('normalises case, separators, repeats and edges', () => {
    expect(deriveBucketNamePrefix('--TapStack__Prod', 'Lambda Code..')).toBe('tapstack-prod-lambda-code');
  });

  it('adds a hash of the input when normalisation drops characters, so the dropped part still tells names apart', () => {
    expect(deriveBucketNamePrefix('TapStack', 'Lambda Code!!')).toMatch(/^tapstack-lambda-code-[0-9a-f]{8}$/);
    expect(deriveBucketNamePrefix('TapStack', 'données')).not.toBe(deriveBucketNamePrefix('TapStack', 'donnàes'));
  });

  it('leaves room for a 12-digit account id and a 15-character region (us-isof-south-1) within 63 characters', () => {
    for (const length of [33, 34, 35, 80]) {
      const prefix = deriveBucketNamePrefix('a'.repeat(length), 'lambda-code');
      expect(`${prefix}-123456789012-us-isof-south-1`.length).toBeLessThanOrEqual(63);
    }
    expect(deriveBucketNamePrefix('a'.repeat(21), 'b'.repeat(12))).toHaveLength(34);
  });

  it('keeps two long names that share a start distinct', () => {
    const a = deriveBucketNamePrefix(`${'platform-team-'.repeat(4)}alpha`, 'code');
    const b = deriveBucketNamePrefix(`${'platform-team-'.repeat(4)}beta`, 'code');
    expect(a).not.toBe(b);
    expect(a).toMatch(/-[0-9a-f]{8}$/);
  });
});

describe('SafeBucket secure defaults', () => {
  const { stack } = newStack();
  new SafeBucket(stack, 'Data', { bucketName: 'secure-defaults-bucket' });
  const { text, json } = synth(stack);

  it('blocks every kind of public access', () => {
    expect(text).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it('encrypts with SSE-S3, versions objects and enforces bucket-owner ownership', () => {
    const sse = onlyResource(json, 'aws_s3_bucket_server_side_encryption_configuration');
    expect(sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe('AES256');
    expect(onlyResource(json, 'aws_s3_bucket_versioning').versioning_configuration.status).toBe('Enabled');
    expect(onlyResource(json, 'aws_s3_bucket_ownership_controls').rule.object_ownership).toBe('BucketOwnerEnforced');
  });

  it('expires noncurrent versions after 30 days and does not force-destroy', () => {
    const lifecycle = onlyResource(json, 'aws_s3_bucket_lifecycle_configuration');
    expect(lifecycle.rule[0].noncurrent_version_expiration[0].noncurrent_days).toBe(30);
    expect(onlyResource(json, 'aws_s3_bucket').force_destroy).toBe(false);
  });

  it('denies every request that is not over TLS', () => {
    const statement = Object.values(json.data.aws_iam_policy_document)
      .flatMap((doc) => doc.statement)
      .find((s) => s.sid === 'DenyInsecureTransport');
    expect(statement).toMatchObject({
      effect: 'Deny',
      actions: ['s3:*'],
      condition: [{ test: 'Bool', variable: 'aws:SecureTransport', values: ['false'] }],
    });
  });

  it('uses a KMS key when asked', () => {
    const { stack: kmsStack } = newStack();
    new SafeBucket(kmsStack, 'Data', { bucketName: 'kms-bucket', encryption: { type: 'KMS', kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abc' } });
    const rule = onlyResource(synth(kmsStack).json, 'aws_s3_bucket_server_side_encryption_configuration').rule[0];
    expect(rule.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: 'aws:kms', kms_master_key_id: 'arn:aws:kms:us-east-1:123456789012:key/abc' });
    expect(rule.bucket_key_enabled).toBe(true);
  });
});

describe('SafeBucket derived names (regressions)', () => {
  const literalPartOf = (stack: ReturnType<typeof newStack>['stack']) => {
    const local = Object.entries(synth(stack).json.locals ?? {}).find(([key]) => key.includes('ResolvedName'))?.[1] as string;
    return local.replace('-${data.aws_caller_identity.CallerIdentity.account_id}-${data.aws_region.Region.name}', '');
  };

  it('does not start with the reserved prefix sthree- for a stack named sthree', () => {
    const { stack } = newStack('sthree');
    new SafeBucket(stack, 'Data');
    const literal = literalPartOf(stack);
    expect(literal).not.toMatch(/^sthree-/);
    expect(literal).toMatch(/^[0-9a-f]{8}-sthree-data$/);
  });

  it("does not start with the reserved prefix amzn-s3-demo- for namePrefix 'amzn-s3-demo'", () => {
    const { stack } = newStack();
    new SafeBucket(stack, 'Data', { namePrefix: 'amzn-s3-demo' });
    expect(literalPartOf(stack)).not.toMatch(/^amzn-s3-demo-/);
  });

  it.each([
    ['a non-ASCII stack', '日本', 'Data'],
    ['a non-ASCII id', 'TapStack', 'データ'],
    ['a non-ASCII stack and id', '日本', 'データ'],
  ])('never gives an empty literal part for %s', (_what, stackName, id) => {
    const { stack } = newStack(stackName);
    new SafeBucket(stack, id);
    const literal = literalPartOf(stack);
    expect(literal).toMatch(/^([a-z0-9-]*-)?[0-9a-f]{8}$/);
  });

  it('fits 63 characters with a 12-digit account and a 15-character region, for a very long stack name', () => {
    const { stack } = newStack(`Team${'Platform'.repeat(10)}`);
    new SafeBucket(stack, 'LambdaCode', { purpose: 'lambda-code' });
    expect(`${literalPartOf(stack)}-123456789012-us-isof-south-1`.length).toBeLessThanOrEqual(63);
  });

  it.each(['namePrefix', 'purpose'] as const)('refuses a deploy-time value in %s instead of lowercasing the token', (field) => {
    const { stack } = newStack();
    const value = new TerraformVariable(stack, 'env', { type: 'string' }).stringValue;
    const message = errorOf(() => new SafeBucket(stack, 'Data', { [field]: value }));
    expect(message).toContain('[bucket/literal-name-part]');
    expect(message).toContain(field);
    expect(message).toContain('give the whole name as bucketName');
  });

  it('still takes a deploy-time value through bucketName, checked at plan, never rewritten', () => {
    const { stack } = newStack();
    const env = new TerraformVariable(stack, 'env', { type: 'string' }).stringValue;
    new SafeBucket(stack, 'Data', { bucketName: `acme-${env}-data` });
    const local = Object.entries(synth(stack).json.locals ?? {}).find(([key]) => key.includes('ResolvedName'))?.[1];
    expect(local).toBe('acme-${var.env}-data');
  });
});
