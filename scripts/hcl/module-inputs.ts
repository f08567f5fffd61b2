import { LAMBDA_CONCURRENCY_QUOTA, MIN_UNRESERVED_CONCURRENCY } from '../../constructs/internal/concurrency-budget';
import { HclBlock, blockOf, entriesOf, replaceRanges, stringLiteral } from './blocks';
import { HclScanError, skipNonCode } from './scan';

/**
 * Turns an exported stack's `main.tf` into a module a Terraform user runs with their own values:
 * what differs between users becomes an input, and the values the app was built with become the
 * inputs' values, in files beside `main.tf`:
 *
 * - the default AWS provider's `allowed_account_ids` (one account) and `region` → `var.account_id`,
 *   `var.region` (`variables.tf`, values in `terraform.tfvars`), there and in the ARNs that spell them out;
 * - the backend's per-user settings (S3: `bucket`, `key`, `region`; local: `path`) → a partial
 *   configuration, `backend.hcl`, read by `terraform init -backend-config=backend.hcl`; a local
 *   state file is `terraform.tfstate` in the module's folder;
 * - the account's Lambda concurrency quota → `var.lambda_concurrency_quota`, which a plan-time
 *   check (`concurrency.tf`) compares with what the module's functions reserve, so the guard of
 *   seed failure 2 holds for reservations edited in the HCL after the export too.
 */

export interface ModuleVariable {
  readonly name: string;
  readonly type: 'string' | 'number';
  readonly description: string;
  /** The value the app was built with (written to terraform.tfvars). */
  readonly value: string | number;
  readonly validation?: { readonly condition: string; readonly message: string };
}

export interface TerraformModule {
  readonly mainTf: string;
  readonly variables: readonly ModuleVariable[];
  /** `backend.hcl`'s settings; undefined when the stack has no backend block. */
  readonly backendConfig?: Readonly<Record<string, string>>;
  /** `concurrency.tf`; undefined when the module has no Lambda function. */
  readonly concurrencyTf?: string;
}

export interface ModuleOptions {
  /**
   * The account's Lambda concurrency quota the module's reservations are checked against (the
   * value of `var.lambda_concurrency_quota`).
   */
  readonly lambdaConcurrencyQuota: number;
}

/** The backend settings each user sets for themselves; the rest (encryption, locking) stay in main.tf. */
const PER_USER_BACKEND_SETTINGS: Readonly<Record<string, readonly string[]>> = { s3: ['bucket', 'key', 'region'], local: ['path'] };
/** A local backend's state file: in the module's folder, whatever folder the export was written to. */
export const LOCAL_STATE_FILE = 'terraform.tfstate';

export function toModule(mainTf: string, options: ModuleOptions): TerraformModule {
  const variables: ModuleVariable[] = [];
  let hcl = mainTf;
  hcl = parameterizeProvider(hcl, variables);
  const backend = partialBackend(hcl);
  hcl = backend.hcl;
  const functions = lambdaFunctionsOf(hcl);
  let concurrencyTf: string | undefined;
  if (functions.length > 0) {
    variables.push({
      name: 'lambda_concurrency_quota',
      type: 'number',
      description: `The account's Lambda concurrency quota in this region (Service Quotas ${LAMBDA_CONCURRENCY_QUOTA.serviceCode}/${LAMBDA_CONCURRENCY_QUOTA.quotaCode}, "Concurrent executions"); new accounts can start at 10.`,
      value: options.lambdaConcurrencyQuota,
      validation: { condition: 'var.lambda_concurrency_quota == floor(var.lambda_concurrency_quota) && var.lambda_concurrency_quota > 0', message: 'lambda_concurrency_quota must be a whole number above 0.' },
    });
    concurrencyTf = concurrencyCheck(functions);
  }
  return { mainTf: hcl, variables, backendConfig: backend.config, concurrencyTf };
}

/**
 * The default `aws` provider's single allowed account and its region become variables, in the
 * provider and in every ARN that spells them out (the constructs write the pinned account and
 * region into ARNs they build, rather than look them up).
 */
function parameterizeProvider(hcl: string, variables: ModuleVariable[]): string {
  const withVariables = parameterizeProviderBlock(hcl, variables);
  const value = (name: string) => variables.find((v) => v.name === name)?.value;
  return inArns(withVariables, { region: value('region') as string | undefined, account: value('account_id') as string | undefined });
}

const ARN = /arn:(\$\{[^}]*\}|[\w-]+):([\w-]+):([\w-]*):([\w-]*):/g;

/** In every string literal: an ARN's region and account segments, when they are these literals, as `${var.region}` and `${var.account_id}`. */
function inArns(hcl: string, literal: { region?: string; account?: string }): string {
  const edits: { start: number; end: number; text: string }[] = [];
  for (let i = 0; i < hcl.length; ) {
    const end = skipNonCode(hcl, i);
    if (end === i) {
      i += 1;
      continue;
    }
    if (hcl[i] === '"') {
      const text = hcl.slice(i, end);
      const replaced = text.replace(ARN, (arn, partition: string, service: string, region: string, account: string) =>
        region === literal.region || account === literal.account
          ? `arn:${partition}:${service}:${region === literal.region ? '${var.region}' : region}:${account === literal.account ? '${var.account_id}' : account}:`
          : arn,
      );
      if (replaced !== text) edits.push({ start: i, end, text: replaced });
    }
    i = end;
  }
  return replaceRanges(hcl, edits);
}

/** The provider block's own attributes. */
function parameterizeProviderBlock(hcl: string, variables: ModuleVariable[]): string {
  const provider = entriesOf(hcl).blocks.find((b) => b.header[0] === 'provider' && b.header[1] === 'aws' && !attributesOf(hcl, b).some((a) => a.name === 'alias'));
  if (!provider) return hcl;
  const edits: { start: number; end: number; text: string }[] = [];
  for (const attribute of attributesOf(hcl, provider)) {
    const indent = /^[ \t]*/.exec(hcl.slice(attribute.start))![0];
    if (attribute.name === 'region') {
      const region = stringLiteral(attribute.value);
      if (region === undefined) continue;
      variables.push({ name: 'region', type: 'string', description: 'The AWS region this stack deploys to.', value: region });
      edits.push({ start: attribute.start, end: attribute.end, text: `${indent}region = var.region` });
    } else if (attribute.name === 'allowed_account_ids') {
      const accounts = /^\[\s*("[^"]*")\s*,?\s*\]$/.exec(attribute.value);
      const account = accounts ? stringLiteral(accounts[1]) : undefined;
      if (account === undefined) continue;
      variables.push({
        name: 'account_id',
        type: 'string',
        description: 'The only AWS account this stack deploys to: a plan with credentials of another account stops before any change.',
        value: account,
        validation: { condition: 'can(regex("^[0-9]{12}$", var.account_id))', message: 'account_id must be 12 digits.' },
      });
      edits.push({ start: attribute.start, end: attribute.end, text: `${indent}allowed_account_ids = [var.account_id]` });
    }
  }
  return replaceRanges(hcl, edits);
}

function attributesOf(hcl: string, block: HclBlock) {
  return entriesOf(hcl, block.bodyStart, block.bodyEnd).attributes;
}

/** The backend's per-user settings move to backend.hcl (a partial configuration); a local state file stays in the module's folder. */
function partialBackend(hcl: string): { hcl: string; config?: Record<string, string> } {
  const terraform = blockOf(hcl, ['terraform']);
  const backend = terraform && blockOf(hcl, ['backend'], terraform.bodyStart, terraform.bodyEnd);
  if (!backend) return { hcl };
  const type = backend.header[1];
  const moved = PER_USER_BACKEND_SETTINGS[type];
  if (!moved) throw new HclScanError(`the export knows no per-user settings of the ${type} backend (known: ${Object.keys(PER_USER_BACKEND_SETTINGS).join(', ')})`);
  // A local state file goes in the module's folder: the app's relative path points out of it.
  const config: Record<string, string> = type === 'local' ? { path: LOCAL_STATE_FILE } : {};
  const edits: { start: number; end: number; text: string }[] = [];
  for (const attribute of attributesOf(hcl, backend)) {
    if (!moved.includes(attribute.name)) continue;
    const value = stringLiteral(attribute.value);
    if (value === undefined) throw new HclScanError(`backend "${type}" ${attribute.name} is not a literal string: ${attribute.value}`);
    config[attribute.name] ??= value;
    // The whole line goes, its line break included.
    edits.push({ start: attribute.start, end: hcl[attribute.end] === '\n' ? attribute.end + 1 : attribute.end, text: '' });
  }
  return { hcl: replaceRanges(hcl, edits), config };
}

/** The `aws_lambda_function` resources of the default provider (a function on an aliased provider is another account or region). */
function lambdaFunctionsOf(hcl: string): string[] {
  return entriesOf(hcl)
    .blocks.filter((b) => b.header[0] === 'resource' && b.header[1] === 'aws_lambda_function')
    .filter((b) => !attributesOf(hcl, b).some((a) => a.name === 'provider'))
    .map((b) => b.header[2]);
}

/**
 * A plan-time check of the module's reservations against `var.lambda_concurrency_quota`: when any
 * function reserves, at least 100 of the quota must stay unreserved (AWS refuses the rest).
 * `terraform_data` is Terraform's own resource: it creates nothing in AWS.
 */
function concurrencyCheck(functions: readonly string[]): string {
  const reserved = functions.map((name) => `    max(aws_lambda_function.${name}.reserved_concurrent_executions, 0),`);
  return [
    '# Seed failure 2 (reserved concurrency that eats the unreserved pool), kept for the exported module:',
    '# the functions below may reserve at most the quota less the 100 AWS keeps unreserved.',
    '# Written by npm run export:hcl (scripts/hcl/module-inputs.ts).',
    'locals {',
    '  lambda_reserved_concurrency = sum([',
    '    0,',
    ...reserved,
    '  ])',
    '}',
    '',
    'resource "terraform_data" "lambda_concurrency_budget" {',
    '  lifecycle {',
    '    precondition {',
    `      condition     = local.lambda_reserved_concurrency == 0 || var.lambda_concurrency_quota - local.lambda_reserved_concurrency >= ${MIN_UNRESERVED_CONCURRENCY}`,
    `      error_message = "[function/unreserved-concurrency] the functions of this module reserve \${local.lambda_reserved_concurrency} of the account's quota (\${var.lambda_concurrency_quota}, var.lambda_concurrency_quota), leaving less than the ${MIN_UNRESERVED_CONCURRENCY} AWS keeps unreserved. Fix: lower reserved_concurrent_executions, or request a higher quota (Service Quotas ${LAMBDA_CONCURRENCY_QUOTA.serviceCode}/${LAMBDA_CONCURRENCY_QUOTA.quotaCode}) and set lambda_concurrency_quota."`,
    '    }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** `variables.tf`. */
export function variablesTf(variables: readonly ModuleVariable[]): string {
  return variables
    .map((v) =>
      [
        `variable "${v.name}" {`,
        `  type        = ${v.type}`,
        `  description = ${JSON.stringify(v.description)}`,
        ...(v.validation ? ['  validation {', `    condition     = ${v.validation.condition}`, `    error_message = ${JSON.stringify(v.validation.message)}`, '  }'] : []),
        '}',
        '',
      ].join('\n'),
    )
    .join('\n');
}

/** `terraform.tfvars` (Terraform reads it by itself) or `backend.hcl`: `name = value` lines. */
export function assignments(values: Readonly<Record<string, string | number>>, header: string): string {
  const width = Math.max(...Object.keys(values).map((name) => name.length));
  return [`# ${header}`, ...Object.entries(values).map(([name, value]) => `${name.padEnd(width)} = ${JSON.stringify(value)}`), ''].join('\n');
}
