import { LocalBackend, S3Backend, TerraformStack } from 'cdktf';

/** Where a stack keeps its Terraform state. */
export type StateBackendConfig = S3StateBackendConfig | LocalStateBackendConfig;

/**
 * Remote state in S3, locked with Terraform's native S3 lock file
 * (`use_lockfile`, Terraform >= 1.10; no DynamoDB table), encrypted at rest.
 */
export interface S3StateBackendConfig {
  readonly type: 's3';
  /** The state bucket (created by the bootstrap stack, `stacks/state-bootstrap-stack.ts`). */
  readonly bucket: string;
  /** Region of the state bucket (may differ from the stack's region). */
  readonly region: string;
  /** Object key of this stack's state; one per stack, or two stacks overwrite each other's state. */
  readonly key: string;
}

/**
 * Local state, for a quick start or the bootstrap stack: a file in the project
 * folder (`terraform.<stack id>.tfstate`, ignored by git), given by a relative path.
 */
export interface LocalStateBackendConfig {
  readonly type: 'local';
}

/**
 * The local state file as seen from the folder Terraform runs in,
 * `cdktf.out/stacks/<stack id>`: the project folder, where cdktf's default
 * backend puts it too, but relative, so no absolute path of the clone is
 * written into the synthesized JSON.
 */
export function localStatePath(stackId: string): string {
  return `../../../terraform.${stackId}.tfstate`;
}

/** Configures `stack`'s backend. */
export function applyStateBackend(stack: TerraformStack, config: StateBackendConfig): void {
  if (config.type === 'local') {
    new LocalBackend(stack, { path: localStatePath(stack.node.id) });
    return;
  }
  const backend = new S3Backend(stack, { bucket: config.bucket, key: config.key, region: config.region, encrypt: true });
  // Native S3 locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no typed prop for it.
  backend.addOverride('use_lockfile', true);
}
