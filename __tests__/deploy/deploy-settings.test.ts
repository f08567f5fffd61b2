import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { OVERRIDE_FILE, emulatorEnv, emulatorOverride, prepareStackDir } from '../../local/moto/deploy';

/** The settings that point cdktf, Terraform and the provider at the emulator, and nothing else. */

describe('emulatorEnv', () => {
  const userEnv = {
    PATH: '/usr/bin',
    HOME: '/home/me',
    AWS_PROFILE: 'production',
    AWS_SESSION_TOKEN: 'real-token',
    AWS_ACCESS_KEY_ID: 'AKIAREAL',
    AWS_ENDPOINT_URL_S3: 'https://s3.eu-west-1.amazonaws.com',
    TF_VAR_region: 'eu-west-1',
  };
  const env = emulatorEnv('http://127.0.0.1:4567', '/tmp/stack', userEnv);

  it("points every service at the emulator through the SDK's own AWS_ENDPOINT_URL", () => {
    expect(env.AWS_ENDPOINT_URL).toBe('http://127.0.0.1:4567');
    expect(env.AWS_REGION).toBe('us-east-1');
  });

  it('drops every AWS_* and TF_VAR_* variable of the caller, so no call can reach a real account', () => {
    const awsKeys = Object.keys(env).filter((key) => key.startsWith('AWS_'));
    expect(awsKeys.sort()).toEqual(
      ['AWS_ACCESS_KEY_ID', 'AWS_CONFIG_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'AWS_SECRET_ACCESS_KEY', 'AWS_SHARED_CREDENTIALS_FILE'].sort(),
    );
    expect(env.AWS_ACCESS_KEY_ID).toBe('emulator');
    expect(env.AWS_CONFIG_FILE).toBe('/dev/null');
    expect(env.TF_VAR_region).toBeUndefined();
    expect(env.PATH).toBe('/usr/bin');
  });

  it('installs the provider from the mirror through a CLI config beside the stack', () => {
    expect(env.TF_CLI_CONFIG_FILE).toBe(join('/tmp/stack', 'emulator.tfrc'));
    expect(env.CHECKPOINT_DISABLE).toBe('1');
  });
});

describe('the override file', () => {
  it('only moves the state to the stack folder (no path-style, no skip_* flags)', () => {
    expect(emulatorOverride('/tmp/stack')).toEqual({
      '//': expect.any(String),
      terraform: { backend: { local: { path: '/tmp/stack/terraform.emulator.tfstate' } } },
    });
  });

  it('is written beside the synthesized stack, never into it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'override-'));
    try {
      const stack = JSON.stringify({ terraform: { backend: { local: { path: '/repo/terraform.TapStack.tfstate' } } } });
      writeFileSync(join(dir, 'cdk.tf.json'), stack);
      prepareStackDir(dir);
      expect(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')).toBe(stack);
      expect(OVERRIDE_FILE).toMatch(/_override\.tf\.json$/);
      expect(JSON.parse(readFileSync(join(dir, OVERRIDE_FILE), 'utf8')).terraform.backend.local.path).toBe(join(dir, 'terraform.emulator.tfstate'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a folder without a synthesized stack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'override-'));
    try {
      expect(() => prepareStackDir(dir)).toThrow(/no synthesized stack/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
