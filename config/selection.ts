import { EnvironmentConfig } from './environments';

/** Environment variable naming the environments to build, comma-separated: `TAPSTACK_ENVIRONMENTS=dev`. */
export const ENVIRONMENTS_ENV_VAR = 'TAPSTACK_ENVIRONMENTS';
/** cdktf context key with the same meaning (a comma-separated string or a list); the environment variable wins. */
export const ENVIRONMENTS_CONTEXT_KEY = 'environments';
/** Environment variable that puts every stack's state in a local file: `TAPSTACK_BACKEND=local` (quick start). */
export const BACKEND_ENV_VAR = 'TAPSTACK_BACKEND';
/** cdktf context key with the same meaning; the environment variable wins. */
export const BACKEND_CONTEXT_KEY = 'backend';

/** Which backend the stacks use: each environment's configured one, or a local file for all. */
export type BackendChoice = 'configured' | 'local';

function nonEmpty(value: unknown): unknown {
  return value === undefined || value === null || value === '' ? undefined : value;
}

/** The requested environment names, from the environment variable, else the context value; undefined means all. */
export function requestedEnvironments(env: NodeJS.ProcessEnv, context: unknown): readonly string[] | undefined {
  const raw = nonEmpty(env[ENVIRONMENTS_ENV_VAR]) ?? nonEmpty(context);
  if (raw === undefined) return undefined;
  const list = Array.isArray(raw) ? raw.map((name) => `${name as string}`) : `${raw as string}`.split(',');
  const names = list.map((name) => name.trim()).filter((name) => name.length > 0);
  if (names.length === 0) {
    throw new Error(`${ENVIRONMENTS_ENV_VAR} (or context "${ENVIRONMENTS_CONTEXT_KEY}") is ${JSON.stringify(raw)}: name at least one environment, e.g. "dev" or "dev,prod", or unset it to build all.`);
  }
  return names;
}

/** The environments asked for, in configuration order; an unknown name is an error listing the known ones. */
export function selectEnvironments(all: readonly EnvironmentConfig[], requested: readonly string[] | undefined): EnvironmentConfig[] {
  if (requested === undefined) return [...all];
  const known = all.map((e) => e.name);
  const unknown = requested.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown environment ${unknown.map((n) => JSON.stringify(n)).join(', ')} in ${ENVIRONMENTS_ENV_VAR} (or context "${ENVIRONMENTS_CONTEXT_KEY}"). ` +
        `Known environments (config/environments.ts): ${known.join(', ')}.`,
    );
  }
  return all.filter((e) => requested.includes(e.name));
}

/** The backend choice, from the environment variable, else the context value. */
export function requestedBackend(env: NodeJS.ProcessEnv, context: unknown): BackendChoice {
  const raw = nonEmpty(env[BACKEND_ENV_VAR]) ?? nonEmpty(context);
  if (raw === undefined || raw === 'configured') return 'configured';
  if (raw === 'local') return 'local';
  throw new Error(`${BACKEND_ENV_VAR} (or context "${BACKEND_CONTEXT_KEY}") is ${JSON.stringify(raw)}: use "local" for local state files, or unset it for each environment's configured backend.`);
}
