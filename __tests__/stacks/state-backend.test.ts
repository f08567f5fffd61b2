import { spawnSync } from 'child_process';
import { TerraformStack, Testing } from 'cdktf';
import { resolve } from 'path';
import { applyStateBackend, localStatePath } from '../../stacks/state-backend';

function backendOf(configure: (stack: TerraformStack) => void): Record<string, unknown> {
  const stack = new TerraformStack(Testing.app(), 'tapstack-qa');
  configure(stack);
  return JSON.parse(Testing.synth(stack)).terraform.backend;
}

describe('state backends', () => {
  it('S3: encrypted, locked with the native lock file, no DynamoDB table', () => {
    const backend = backendOf((stack) => applyStateBackend(stack, { type: 's3', bucket: 'acme-tf-state', region: 'eu-west-1', key: 'tapstack/qa/terraform.tfstate' }));
    expect(backend).toEqual({
      s3: { bucket: 'acme-tf-state', key: 'tapstack/qa/terraform.tfstate', region: 'eu-west-1', encrypt: true, use_lockfile: true },
    });
  });

  it('local: a relative path, no absolute path of the clone', () => {
    expect(backendOf((stack) => applyStateBackend(stack, { type: 'local' }))).toEqual({ local: { path: '../../../terraform.tapstack-qa.tfstate' } });
  });

  it('local: the path leads from the folder Terraform runs in (cdktf.out/stacks/<id>) to the project folder', () => {
    expect(resolve('/project/cdktf.out/stacks/tapstack-qa', localStatePath('tapstack-qa'))).toBe('/project/terraform.tapstack-qa.tfstate');
  });

  it.each(['terraform.tapstack-dev.tfstate', 'terraform.tapstack-dev.tfstate.backup', 'terraform.tapstack-bootstrap.tfstate.lock.info', 'cdktf.out/stacks/x/terraform.tfstate'])(
    'keeps %s out of git',
    (file) => {
      expect(spawnSync('git', ['check-ignore', '-q', file], { cwd: resolve(__dirname, '../..') }).status).toBe(0);
    },
  );
});
