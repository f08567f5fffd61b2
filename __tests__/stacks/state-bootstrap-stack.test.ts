import { Testing } from 'cdktf';
import { StateBootstrapStack } from '../../stacks/state-bootstrap-stack';
import { SynthesizedStack, errorOf, onlyResource } from '../helpers/stacks';

const props = { bucketName: 'acme-terraform-state-333333333333', accountId: '333333333333', region: 'us-east-1', defaultTags: { project: 'tapstack' } };

describe('StateBootstrapStack', () => {
  const stack = new StateBootstrapStack(Testing.app(), 'tapstack-bootstrap', props);
  const json = JSON.parse(Testing.synth(stack)) as SynthesizedStack & { terraform: { backend: unknown }; provider: { aws: unknown[] } };

  it('creates the state bucket with the exact name the backends use, and Terraform refuses to destroy it', () => {
    expect(onlyResource(json, 'aws_s3_bucket')).toMatchObject({ bucket: props.bucketName, force_destroy: false, lifecycle: { prevent_destroy: true } });
    expect(json.output?.state_bucket_name.value).toMatch(/^\$\{aws_s3_bucket\.State_Bucket_\w+\.bucket\}$/);
  });

  it('is a SafeBucket: versioned, encrypted, all public access blocked, TLS only', () => {
    expect(onlyResource(json, 'aws_s3_bucket_versioning').versioning_configuration).toEqual({ status: 'Enabled' });
    expect(onlyResource(json, 'aws_s3_bucket_server_side_encryption_configuration').rule[0].apply_server_side_encryption_by_default).toMatchObject({ sse_algorithm: 'AES256' });
    expect(onlyResource(json, 'aws_s3_bucket_public_access_block')).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const policy = Object.values(json.data.aws_iam_policy_document)[0];
    expect(policy.statement).toContainEqual(
      expect.objectContaining({ effect: 'Deny', condition: [expect.objectContaining({ variable: 'aws:SecureTransport', values: ['false'] })] }),
    );
  });

  it('keeps old state versions for 90 days', () => {
    const rules = onlyResource(json, 'aws_s3_bucket_lifecycle_configuration').rule;
    expect(JSON.stringify(rules)).toContain('"noncurrent_days":90');
  });

  it('deploys only to the state account, and keeps its own state in a local file by a relative path', () => {
    expect(json.provider.aws[0]).toMatchObject({ region: 'us-east-1', allowed_account_ids: ['333333333333'], default_tags: [{ tags: { project: 'tapstack' } }] });
    expect(json.terraform.backend).toEqual({ local: { path: '../../../terraform.tapstack-bootstrap.tfstate' } });
  });

  it('refuses a state bucket name that breaks the S3 rules (never rewriting it)', () => {
    const message = errorOf(() => new StateBootstrapStack(Testing.app(), 'tapstack-bootstrap', { ...props, bucketName: 'TapStack-State' }));
    expect(message).toContain("SafeBucket at 'tapstack-bootstrap/State'");
    expect(message).toContain('[bucket-name/charset]');
  });
});
