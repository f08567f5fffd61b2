/**
 * `guard-check [--json] [--lambda-concurrency-quota N] [--] PATH`: the deployment
 * check on a `cdktf.out` folder, one `cdk.tf.json`, or the JSON of
 * `terraform show -json <planfile>` (see docs/guards.md, "guard-check").
 * Exit 0: clean; 1: violations, one line each (address, rule, value, fix);
 * 2: the input or the arguments cannot be read, with a one-line reason.
 * The launcher is bin/guard-check.cjs.
 */
import { checkDeployment, formatDeploymentViolation, lambdaQuotaSources } from '../internal/deployment-checks';
import { DEFAULT_ACCOUNT_CONCURRENCY_QUOTA } from '../internal/deployment-checks/quota';
import { DeploymentViolation, LambdaQuotaSource } from '../internal/deployment-document';
import { InputKind, readDeploymentInput } from '../internal/deployment-input';

export const EXIT_CLEAN = 0;
export const EXIT_VIOLATIONS = 1;
export const EXIT_UNREADABLE = 2;

export const USAGE = [
  'usage: guard-check [--json] [--lambda-concurrency-quota N] [--] PATH',
  '  PATH  a cdktf.out folder, a cdk.tf.json, or the JSON of `terraform show -json <planfile>` (- reads it from standard input)',
  '  --json                        print the result as JSON (violations, quota sources)',
  '  --                            ends the options: a PATH starting with - follows it',
  '  --lambda-concurrency-quota N  the Lambda concurrency quota of every account and region (default: the plan\'s',
  `                                aws_servicequotas_service_quota value, else the stack's declared quota, else ${DEFAULT_ACCOUNT_CONCURRENCY_QUOTA})`,
  'exit: 0 clean, 1 violations, 2 unreadable input or arguments',
].join('\n');

/** The largest quota taken: far above any Lambda quota AWS grants, and exact as a JSON number. */
const MAX_QUOTA = 1_000_000_000;

/** A quota as written on the command line: a whole number from 1 to 10^9, digits only. */
export function parseQuota(text: string): number | undefined {
  if (!/^[1-9][0-9]{0,9}$/.test(text)) return undefined;
  const quota = Number(text);
  return quota <= MAX_QUOTA ? quota : undefined;
}

export interface GuardCheckArguments {
  readonly path: string;
  readonly json: boolean;
  readonly lambdaConcurrencyQuota?: number;
}

export type ParsedArguments = { readonly ok: true; readonly args: GuardCheckArguments } | { readonly ok: true; readonly help: true } | { readonly ok: false; readonly reason: string };

export function parseArguments(argv: readonly string[]): ParsedArguments {
  let path: string | undefined;
  let json = false;
  let quota: number | undefined;
  let optionsEnded = false;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (optionsEnded) {
      if (path !== undefined) return { ok: false, reason: `one PATH only (got ${JSON.stringify(path)} and ${JSON.stringify(arg)})` };
      path = arg;
      continue;
    }
    if (arg === '--') {
      // Ends the options, as in most commands: a PATH that starts with - (-plan.json) follows it.
      optionsEnded = true;
    } else if (arg === '--help' || arg === '-h') {
      return { ok: true, help: true };
    } else if (arg === '--json') {
      json = true;
    } else if (arg === '--lambda-concurrency-quota' || arg.startsWith('--lambda-concurrency-quota=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (value === undefined) return { ok: false, reason: '--lambda-concurrency-quota needs a number, e.g. --lambda-concurrency-quota 1000' };
      quota = parseQuota(value);
      if (quota === undefined) return { ok: false, reason: `--lambda-concurrency-quota ${JSON.stringify(value)}: give a whole number from 1 to ${MAX_QUOTA}` };
    } else if (arg.startsWith('-') && arg !== '-') {
      return { ok: false, reason: `unknown option ${arg}` };
    } else if (path !== undefined) {
      return { ok: false, reason: `one PATH only (got ${JSON.stringify(path)} and ${JSON.stringify(arg)})` };
    } else {
      path = arg;
    }
  }
  if (path === undefined) return { ok: false, reason: 'no PATH given' };
  return { ok: true, args: { path, json, ...(quota !== undefined ? { lambdaConcurrencyQuota: quota } : {}) } };
}

/** What `--json` prints. */
export interface GuardCheckReport {
  readonly path: string;
  readonly kind: InputKind;
  readonly stacks: readonly string[];
  readonly violations: readonly DeploymentViolation[];
  readonly lambdaQuotas: readonly LambdaQuotaSource[];
}

export interface GuardCheckIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Standard input's text, for PATH `-`. @default reads file descriptor 0 */
  readonly stdin?: () => string;
}

/** The line said when a quota that matters was neither given nor read: the check assumed AWS's default. */
export function assumedQuotaLine(sources: readonly LambdaQuotaSource[]): string | undefined {
  const assumed = sources.filter((s) => s.source === 'assumed' && s.reserves);
  if (assumed.length === 0) return undefined;
  const where = assumed.map((s) => `${s.stack} (${s.provider})`).join(', ');
  return (
    `guard-check: no Lambda concurrency quota given (--lambda-concurrency-quota) or read in the plan (aws_servicequotas_service_quota) ` +
    `for ${where}: assuming ${DEFAULT_ACCOUNT_CONCURRENCY_QUOTA}`
  );
}

/** Runs the command on `argv` (without node and the script) and returns its exit code. */
export function runGuardCheck(argv: readonly string[], io: GuardCheckIo): number {
  const parsed = parseArguments(argv);
  if (parsed.ok && 'help' in parsed) {
    io.stdout(`${USAGE}\n`);
    return EXIT_CLEAN;
  }
  if (!parsed.ok) {
    io.stderr(`guard-check: ${parsed.reason} (guard-check --help)\n`);
    return EXIT_UNREADABLE;
  }
  try {
    return checkInput(parsed.args, io);
  } catch (error) {
    // Whatever the reading or the checks throw is no verdict: exit 2 with its reason, never a stack trace and exit 1 (violations).
    io.stderr(`guard-check: ${oneLineReason(error)}\n`);
    return EXIT_UNREADABLE;
  }
}

function oneLineReason(error: unknown): string {
  // By shape, not `instanceof Error`: an error from another realm has a message too.
  const message = typeof error === 'object' && error !== null && typeof (error as Error).message === 'string' ? (error as Error).message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').trim() || 'failed';
}

function checkInput({ path, json, lambdaConcurrencyQuota }: GuardCheckArguments, io: GuardCheckIo): number {
  const input = readDeploymentInput(path, io.stdin);
  if (!input.ok) {
    io.stderr(`guard-check: ${oneLineReason(input.reason)}\n`);
    return EXIT_UNREADABLE;
  }
  const options = lambdaConcurrencyQuota !== undefined ? { lambdaConcurrencyQuota } : {};
  const violations = checkDeployment(input.document, options);
  const quotas = lambdaQuotaSources(input.document, options);
  const assumed = assumedQuotaLine(quotas);
  if (assumed) io.stderr(`${assumed}\n`);
  if (json) {
    const report: GuardCheckReport = { path, kind: input.kind, stacks: input.document.stacks.map((s) => s.name), violations, lambdaQuotas: quotas };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
  } else if (violations.length > 0) {
    io.stdout(violations.map((v) => `${formatDeploymentViolation(v)}\n`).join(''));
    io.stdout(`guard-check: ${violations.length} violation${violations.length === 1 ? '' : 's'} in ${path} (${input.kind})\n`);
  } else {
    io.stdout(`guard-check: ${path} (${input.kind}, ${input.document.stacks.length} stack${input.document.stacks.length === 1 ? '' : 's'}): no violations\n`);
  }
  return violations.length > 0 ? EXIT_VIOLATIONS : EXIT_CLEAN;
}

/** The command's entry point (bin/guard-check.cjs): the process's arguments, streams and exit code. */
export function main(): void {
  try {
    process.exitCode = runGuardCheck(process.argv.slice(2), {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    });
  } catch (error) {
    process.stderr.write(`guard-check: ${oneLineReason(error)}\n`);
    process.exitCode = EXIT_UNREADABLE;
  }
}
