/**
 * What the guard-check command reads, turned into the deployment document: a
 * `cdktf.out` folder (or its `stacks` folder, or a project folder holding
 * `cdktf.out`), one stack's folder or `cdk.tf.json`, or the JSON of
 * `terraform show -json <planfile>`. Anything else is refused with a one-line
 * reason, never guessed at: a check that reads nothing must not say "clean".
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'fs';
import { basename, dirname, join } from 'path';
import { DeploymentDocument, StackDocument } from './deployment-document';
import { MAX_NESTING_DEPTH, isTerraformPlan, nestingDepth, planDocumentOf } from './plan-document';

export type InputKind = 'plan' | 'cdktf.out' | 'cdk.tf.json';

export type DeploymentInput =
  | { readonly ok: true; readonly kind: InputKind; readonly document: DeploymentDocument }
  | { readonly ok: false; readonly reason: string };

/** The top-level keys of Terraform's JSON configuration syntax (and cdktf's `"//"`). */
const TERRAFORM_JSON_KEYS = new Set(['//', 'terraform', 'provider', 'resource', 'data', 'locals', 'variable', 'output', 'module', 'moved', 'import', 'check', 'removed']);

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refused(reason: string): DeploymentInput {
  return { ok: false, reason };
}

/** A file system error (an unreadable folder, standard input not ready) as a refusal, naming what could not be read. */
function fileSystemRefusal(error: NodeJS.ErrnoException, what: string): DeploymentInput {
  return refused(`cannot read ${error.path ?? what}: ${error.code ?? error.message.split('\n')[0]}`);
}

/** By shape, not `instanceof`: an error made in another realm (a vm context, a test runner) is one too. */
function isFileSystemError(error: unknown): error is NodeJS.ErrnoException {
  if (typeof error !== 'object' || error === null) return false;
  const { code, syscall, message } = error as Partial<NodeJS.ErrnoException>;
  return typeof code === 'string' && typeof syscall === 'string' && typeof message === 'string';
}

function isTerraformJson(value: unknown): value is Readonly<Record<string, unknown>> {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return keys.some((key) => ['resource', 'data', 'provider', 'terraform'].includes(key)) && keys.every((key) => TERRAFORM_JSON_KEYS.has(key));
}

/** A name for a stack read from a file: its folder's name for `cdk.tf.json`, else the file's name without `.json`. */
function stackNameOf(file: string): string {
  return basename(file) === 'cdk.tf.json' ? basename(dirname(file)) : basename(file).replace(/\.json$/, '');
}

/** A document from JSON text: a plan, or one stack's Terraform JSON. `name` names the stack. */
export function documentOfJsonText(text: string, name: string): DeploymentInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return refused(`not JSON (${(error as Error).message})`);
  }
  if (nestingDepth(parsed) > MAX_NESTING_DEPTH) return refused(`nested more than ${MAX_NESTING_DEPTH} levels deep: neither Terraform JSON nor a plan's JSON goes that deep`);
  if (isTerraformPlan(parsed)) {
    if (parsed.errored === true) return refused('the plan errored (terraform plan failed part way): fix the plan first');
    return { ok: true, kind: 'plan', document: planDocumentOf(parsed, name) };
  }
  if (isObject(parsed) && typeof parsed.format_version === 'string') {
    const what = isObject(parsed.values) ? 'a state' : isObject(parsed.provider_schemas) ? 'provider schemas' : 'Terraform JSON output';
    return refused(`${what}, not a plan: give the JSON of terraform show -json <planfile> (made by terraform plan -out <planfile>)`);
  }
  if (isTerraformJson(parsed)) return { ok: true, kind: 'cdk.tf.json', document: { stacks: [{ name, json: parsed }], valuesResolved: false } };
  return refused('neither the JSON of terraform show -json <planfile> nor Terraform JSON (cdk.tf.json)');
}

/** The stack folders (each holding cdk.tf.json) of a `cdktf.out`, its `stacks` folder, or a folder holding `cdktf.out`. */
function stackFoldersOf(dir: string): string[] | undefined {
  for (const stacks of [join(dir, 'stacks'), join(dir, 'cdktf.out', 'stacks'), dir]) {
    if (!existsSync(stacks) || !statSync(stacks).isDirectory()) continue;
    const folders = readdirSync(stacks)
      .sort()
      .map((entry) => join(stacks, entry))
      .filter((folder) => existsSync(join(folder, 'cdk.tf.json')));
    if (folders.length > 0) return folders;
  }
  return undefined;
}

function readText(file: string): string | { reason: string } {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    return { reason: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
}

/** Every stack of a `cdktf.out` folder: they deploy together, so sums and collisions span them. */
function documentOfStackFolders(folders: readonly string[]): DeploymentInput {
  const stacks: StackDocument[] = [];
  for (const folder of folders) {
    const file = join(folder, 'cdk.tf.json');
    const text = readText(file);
    if (typeof text !== 'string') return refused(text.reason);
    const read = documentOfJsonText(text, basename(folder));
    if (!read.ok) return refused(`${file}: ${read.reason}`);
    if (read.kind !== 'cdk.tf.json') return refused(`${file}: a plan's JSON inside a cdktf.out folder; give it on its own`);
    stacks.push(...read.document.stacks);
  }
  return { ok: true, kind: 'cdktf.out', document: { stacks, valuesResolved: false } };
}

/**
 * Reads `path` (see the module comment); `-` reads standard input (`terraform
 * show -json plan | guard-check -`), whose text `stdin` returns.
 */
export function readDeploymentInput(path: string, stdin: () => string = () => readFileSync(0, 'utf8')): DeploymentInput {
  try {
    return readInput(path, stdin);
  } catch (error) {
    if (isFileSystemError(error)) return fileSystemRefusal(error, path === '-' ? 'standard input' : path);
    throw error;
  }
}

function readInput(path: string, stdin: () => string): DeploymentInput {
  if (path === '-') return documentOfJsonText(stdin(), 'plan');
  if (!existsSync(path)) return refused(`${path}: no such file or folder`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'cdk.tf.json'))) {
      const read = documentOfStackFolders([path]);
      return read.ok ? { ...read, kind: 'cdk.tf.json' } : read;
    }
    const folders = stackFoldersOf(path);
    if (!folders) return refused(`${path}: no cdk.tf.json in it, in its stacks/*/ or in cdktf.out/stacks/*/ (give a cdktf.out folder, a cdk.tf.json or a plan's JSON)`);
    return documentOfStackFolders(folders);
  }
  const text = readText(path);
  if (typeof text !== 'string') return refused(text.reason);
  const read = documentOfJsonText(text, stackNameOf(path));
  return read.ok ? read : refused(`${path}: ${read.reason}`);
}
