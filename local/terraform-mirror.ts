import { spawnSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';

/**
 * The offline Terraform setup shared by the tests' offline plans and `npm run deploy:local`:
 * the real hashicorp/aws provider from a local plugin mirror, never from the registry.
 */

/** The provider version @cdktf/provider-aws 20.1.0 is generated for. */
export const AWS_PROVIDER_VERSION = '5.100.0';

/** Where the hashicorp/aws provider is mirrored: `TF_PLUGIN_MIRROR`, else `/opt/tf-plugins`. */
export function pluginMirror(): string {
  return process.env.TF_PLUGIN_MIRROR ?? '/opt/tf-plugins';
}

/** A Terraform CLI configuration that installs hashicorp providers from the mirror only. */
export function mirrorCliConfig(): string {
  return [
    'provider_installation {',
    `  filesystem_mirror {\n    path    = ${JSON.stringify(pluginMirror())}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }`,
    '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }',
    '}',
    'disable_checkpoint = true',
    '',
  ].join('\n');
}

/** Fails (never skips) when terraform or the mirrored provider is missing, saying how to get them. */
export function assertTerraformAndMirror(): void {
  const version = spawnSync('terraform', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(
      'terraform is not on PATH. Install Terraform >= 1.7 (for `terraform test` with override_data), ' +
        "e.g. from HashiCorp's Debian repository, then rerun.",
    );
  }
  const providerDir = join(pluginMirror(), 'registry.terraform.io', 'hashicorp', 'aws', AWS_PROVIDER_VERSION);
  if (!existsSync(providerDir)) {
    throw new Error(
      `No hashicorp/aws ${AWS_PROVIDER_VERSION} in the plugin mirror at ${pluginMirror()}. ` +
        'Create one with `terraform providers mirror <dir>` on a machine with network (from a config that ' +
        `pins hashicorp/aws ${AWS_PROVIDER_VERSION}), then set TF_PLUGIN_MIRROR=<dir>.`,
    );
  }
}
