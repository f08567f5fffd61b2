import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';

/**
 * asl-validator with a verdict cache. asl-validator builds and compiles its
 * ajv schemas on every call: about 0.3 s, a third of an app synth. Its verdict
 * is a pure function of the definition, the options and its own version, so a
 * definition it accepted once is remembered on disk under that key, and the
 * next synth of the same definition neither loads nor runs it. Rejections are
 * never cached: a bad definition always gets asl-validator's own errors.
 *
 * The cache lives in `node_modules/.cache/guarded-serverless/asl/` (the
 * system temp folder when that is not writable); deleting it is always safe.
 * Set `ASL_VALIDATION_CACHE=off` to run asl-validator every time.
 */
export interface AslOptions {
  readonly checkArn: boolean;
  readonly checkPaths: boolean;
}

/** One error as asl-validator reports it. */
export type AslValidationError = ReturnType<typeof import('asl-validator')>['errors'][number];

let validatorVersion: string | undefined;
let cacheDirectory: string | undefined;

export function validateAsl(definition: unknown, options: AslOptions): readonly AslValidationError[] {
  const useCache = process.env.ASL_VALIDATION_CACHE !== 'off';
  const file = useCache ? verdictFile(definition, options) : undefined;
  if (file && existsSync(file)) return [];

  // Loaded only on a cache miss: asl-validator pulls in ajv, jsonata and jsonpath-plus.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const aslValidator = require('asl-validator') as typeof import('asl-validator');
  // A copy: asl-validator writes default QueryLanguage fields into the definition it is given.
  const result = aslValidator(structuredClone(definition), { ...options });
  if (result.errors.length === 0 && file) rememberValid(file);
  return result.errors;
}

/** Where the verdict "valid" for this definition and these options is remembered. */
export function verdictFile(definition: unknown, options: AslOptions): string {
  return join(verdictCacheDirectory(), `${verdictKey(definition, options)}.valid`);
}

function verdictKey(definition: unknown, options: AslOptions): string {
  return createHash('sha256')
    .update(`asl-validator@${aslValidatorVersion()}\n${JSON.stringify(options)}\n${JSON.stringify(definition)}`)
    .digest('hex');
}

function aslValidatorVersion(): string {
  if (validatorVersion === undefined) {
    const manifest = join(dirname(require.resolve('asl-validator')), '..', '..', 'package.json');
    validatorVersion = String((JSON.parse(readFileSync(manifest, 'utf8')) as { version: unknown }).version);
  }
  return validatorVersion;
}

function verdictCacheDirectory(): string {
  if (cacheDirectory === undefined) {
    const nodeModules = join(dirname(require.resolve('asl-validator')), '..', '..', '..');
    cacheDirectory = join(nodeModules, '.cache', 'guarded-serverless', 'asl');
  }
  return cacheDirectory;
}

function rememberValid(file: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
  } catch {
    // A read-only node_modules: fall back to the temp folder for the rest of this process.
    cacheDirectory = join(tmpdir(), 'guarded-serverless-asl-cache');
    try {
      mkdirSync(cacheDirectory, { recursive: true });
      writeFileSync(join(cacheDirectory, file.split(/[\\/]/).pop() as string), '');
    } catch {
      // Nowhere to write: the next synth validates again, which is only slower.
    }
  }
}
