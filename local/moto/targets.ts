import { BOOTSTRAP_STACK_ID, ENVIRONMENTS, LOCAL_ENVIRONMENT, STATE_BUCKET, environmentNamed } from '../../config/environments';

/**
 * What `npm run deploy:local` deploys: the stacks of the chosen environments, each to an emulator
 * answering as the account its provider pins (`allowed_account_ids`), in its region.
 */

/** One stack to deploy, and the account and region its provider pins. */
export interface DeployTarget {
  readonly stackId: string;
  /** The environment the stack belongs to; undefined for the bootstrap stack (the state bucket). */
  readonly environment?: string;
  readonly accountId: string;
  readonly region: string;
}

export interface DeployLocalOptions {
  /** Every stack of the app: the bootstrap stack and one per environment. */
  readonly all: boolean;
  /** The environment to deploy when not `all`. */
  readonly environment: string;
  /** The port of the (first) emulator; 0 picks a free one. */
  readonly port: number;
}

/** A command line `npm run deploy:local` cannot follow; the message says what to pass instead. */
export class UsageError extends Error {}

export const DEPLOY_LOCAL_USAGE = 'usage: npm run deploy:local [-- --env NAME | --all] [--port N]';

/** Reads `--env NAME`, `--all` and `--port N`; anything else is a {@link UsageError}. */
export function parseDeployLocalArgs(argv: readonly string[]): DeployLocalOptions {
  let all = false;
  let environment: string | undefined;
  let port = 0;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--all') {
      all = true;
    } else if (arg === '--env' || arg === '--port') {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value. ${DEPLOY_LOCAL_USAGE}`);
      i += 1;
      if (arg === '--env') {
        try {
          environmentNamed(value);
        } catch (error) {
          throw new UsageError((error as Error).message); // names the known environments
        }
        environment = value;
      } else {
        port = Number(value);
        if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port must be a port number from 0 to 65535, got ${value}.`);
      }
    } else {
      throw new UsageError(`Unknown argument ${JSON.stringify(arg)}. ${DEPLOY_LOCAL_USAGE}`);
    }
  }
  if (all && environment !== undefined) throw new UsageError(`--all deploys every environment: pass --all or --env, not both. ${DEPLOY_LOCAL_USAGE}`);
  return { all, environment: environment ?? LOCAL_ENVIRONMENT, port };
}

/** The stacks to deploy, in the order `cdktf synth` builds them: the bootstrap stack first. */
export function deployTargets(options: Pick<DeployLocalOptions, 'all' | 'environment'>): DeployTarget[] {
  const environments = options.all ? ENVIRONMENTS : [environmentNamed(options.environment)];
  return [
    ...(options.all ? [{ stackId: BOOTSTRAP_STACK_ID, accountId: STATE_BUCKET.accountId, region: STATE_BUCKET.region }] : []),
    ...environments.map((e) => ({ stackId: e.namePrefix, environment: e.name, accountId: e.accountId, region: e.region })),
  ];
}

/** The accounts to emulate, one emulator each, in the order the targets name them. */
export function emulatedAccounts(targets: readonly DeployTarget[]): string[] {
  return [...new Set(targets.map((t) => t.accountId))];
}

/**
 * `TAPSTACK_ENVIRONMENTS` for the synth: the chosen environment, or unset (every environment)
 * for `all`, whatever the caller's shell holds.
 */
export function synthEnvironments(options: Pick<DeployLocalOptions, 'all' | 'environment'>): string | undefined {
  return options.all ? undefined : options.environment;
}
