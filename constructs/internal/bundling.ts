import { createHash } from 'crypto';
import { BuildOptions, buildSync, version as esbuildVersion } from 'esbuild';
import { zipSync } from 'fflate';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';

/**
 * Bundles a Lambda entry file with esbuild, once per entry and target per
 * process: N functions built from one entry share one bundle. Output folders
 * are named by the bundle's content hash, so an unchanged bundle keeps its
 * asset hash (and its S3 key) from synth to synth.
 *
 * `@aws-sdk/*` stays out of the bundle: every Node.js Lambda runtime ships
 * AWS SDK v3, and leaving it out keeps bundles in the tens of kilobytes and
 * cold starts short. The cost is that the runtime's SDK version is used.
 *
 * Across processes, a bundle is reused from disk when none of its inputs
 * changed: each build records the files esbuild read (its metafile) and a hash
 * of their contents, so a repeated synth runs no esbuild at all (about 12 ms
 * an entry). A changed, added or removed input, another esbuild version or
 * other options, or a changed tsconfig.json (the nearest one above the entry,
 * as esbuild reads it) rebuilds. `BUNDLE_CACHE=off` always rebuilds. Nothing
 * here depends on the working directory: entries are absolute paths.
 */
export interface Bundle {
  /** Folder holding `index.js` and `lambda.zip`. */
  readonly dir: string;
  /** The deployment package: `index.js` alone, zipped deterministically. */
  readonly zipPath: string;
  /** sha256 of the bundle, hex. */
  readonly contentHash: string;
  readonly bytes: number;
}

const BUNDLE_ROOT = join(tmpdir(), 'guarded-serverless-bundles');
/**
 * A fixed timestamp keeps the zip (and so the asset hash and S3 key) the same
 * for the same code. The zip is made here, in-process: cdktf's ARCHIVE assets
 * spawn one `node` process per zip, about 150 ms each.
 */
const ZIP_MTIME = new Date('1980-01-01T00:00:00Z');
const bundles = new Map<string, Bundle>();
let esbuildRuns = 0;

export function bundleEntry(entry: string, esbuildTarget: string): Bundle {
  const entryPath = resolve(entry);
  const cacheKey = `${entryPath}|${esbuildTarget}`;
  const cached = bundles.get(cacheKey) ?? reusableBundle(entryPath, esbuildTarget);
  if (cached) {
    bundles.set(cacheKey, cached);
    return cached;
  }

  esbuildRuns += 1;
  const result = buildSync({ ...bundleBuildOptions(esbuildTarget), entryPoints: [entryPath], metafile: true });
  const code = result.outputFiles[0].contents;
  const contentHash = createHash('sha256').update(code).digest('hex');
  const dir = join(BUNDLE_ROOT, contentHash);
  const zipPath = join(dir, 'lambda.zip');
  if (!existsSync(zipPath)) {
    mkdirSync(dir, { recursive: true });
    writeAtomically(join(dir, 'index.js'), code);
    writeAtomically(zipPath, zipSync({ 'index.js': [code, { mtime: ZIP_MTIME }] }, { level: 9 }));
  }
  const bundle = { dir, zipPath, contentHash, bytes: code.byteLength };
  rememberInputs(entryPath, esbuildTarget, Object.keys(result.metafile?.inputs ?? {}).map((input) => resolve(input)), bundle);
  bundles.set(cacheKey, bundle);
  return bundle;
}

/** esbuild's options for every Lambda bundle (the bench times esbuild alone with them). */
export function bundleBuildOptions(esbuildTarget: string): BuildOptions & { write: false } {
  return {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: esbuildTarget,
    minify: true,
    legalComments: 'none',
    external: ['@aws-sdk/*'],
    // Every import() left in the bundle (`await import('@aws-sdk/…')`, a client loaded on first use)
    // becomes require(): left as import(), Node loads the SDK's ES module build, file by file, and a
    // cold start takes longer (bench/notes.md).
    supported: { 'dynamic-import': false },
    write: false,
    logLevel: 'silent',
  };
}

/** What a bundle was built from, so a later process can tell whether it is still current. */
interface InputsRecord {
  readonly inputs: readonly string[];
  readonly inputsHash: string;
  readonly contentHash: string;
  readonly bytes: number;
}

function inputsRecordPath(entryPath: string, esbuildTarget: string): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ entryPath, esbuildVersion, options: bundleBuildOptions(esbuildTarget), tsconfig: fileDigest(nearestTsconfig(entryPath)) }))
    .digest('hex');
  return join(BUNDLE_ROOT, 'inputs', `${key}.json`);
}

/** The tsconfig.json esbuild applies to `entryPath`: the nearest one in its folder or above. */
function nearestTsconfig(entryPath: string): string {
  for (let dir = dirname(entryPath); ; dir = dirname(dir)) {
    const candidate = join(dir, 'tsconfig.json');
    if (existsSync(candidate) || dirname(dir) === dir) return candidate;
  }
}

function fileDigest(path: string): string {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return 'absent';
  }
}

function inputsHash(inputs: readonly string[]): string {
  const hash = createHash('sha256');
  for (const input of inputs) hash.update(`${input}\0${fileDigest(input)}\0`);
  return hash.digest('hex');
}

function reusableBundle(entryPath: string, esbuildTarget: string): Bundle | undefined {
  if (process.env.BUNDLE_CACHE === 'off') return undefined;
  try {
    const record = JSON.parse(readFileSync(inputsRecordPath(entryPath, esbuildTarget), 'utf8')) as InputsRecord;
    const dir = join(BUNDLE_ROOT, record.contentHash);
    const zipPath = join(dir, 'lambda.zip');
    if (record.inputsHash !== inputsHash(record.inputs) || !statSync(zipPath).isFile()) return undefined;
    return { dir, zipPath, contentHash: record.contentHash, bytes: record.bytes };
  } catch {
    return undefined; // no record yet, or a bundle folder cleaned out of the temp folder
  }
}

function rememberInputs(entryPath: string, esbuildTarget: string, inputs: readonly string[], bundle: Bundle): void {
  if (process.env.BUNDLE_CACHE === 'off') return;
  const record: InputsRecord = { inputs, inputsHash: inputsHash(inputs), contentHash: bundle.contentHash, bytes: bundle.bytes };
  try {
    const file = inputsRecordPath(entryPath, esbuildTarget);
    mkdirSync(join(file, '..'), { recursive: true });
    writeAtomically(file, JSON.stringify(record));
  } catch {
    // Not writable: the next process bundles again, which is only slower.
  }
}

/**
 * Writes through a temp file and a rename: synths run side by side (jest workers, `npm test`'s
 * parallel steps) share the cache, and a reader must never see a half-written zip or record.
 */
function writeAtomically(file: string, data: string | Uint8Array): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, data);
  renameSync(partial, file);
}

/** How many times esbuild ran in this process (the bench and tests check reuse with it). */
export function esbuildRunCount(): number {
  return esbuildRuns;
}

/**
 * Forgets the bundles made in this process, as a new process would start;
 * the on-disk reuse stays. For tests of that reuse.
 */
export function forgetBundlesOfThisProcess(): void {
  bundles.clear();
}
