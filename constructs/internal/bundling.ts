import { createHash } from 'crypto';
import { buildSync } from 'esbuild';
import { zipSync } from 'fflate';
import { existsSync, mkdirSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

/**
 * Bundles a Lambda entry file with esbuild, once per entry and target per
 * process: N functions built from one entry share one bundle. Output folders
 * are named by the bundle's content hash, so an unchanged bundle keeps its
 * asset hash (and its S3 key) from synth to synth.
 *
 * `@aws-sdk/*` stays out of the bundle: every Node.js Lambda runtime ships
 * AWS SDK v3, and leaving it out keeps bundles in the tens of kilobytes and
 * cold starts short. The cost is that the runtime's SDK version is used.
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
  const cached = bundles.get(cacheKey);
  if (cached) return cached;

  esbuildRuns += 1;
  const result = buildSync({
    entryPoints: [entryPath],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: esbuildTarget,
    minify: true,
    legalComments: 'none',
    external: ['@aws-sdk/*'],
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const contentHash = createHash('sha256').update(code).digest('hex');
  const dir = join(BUNDLE_ROOT, contentHash);
  const zipPath = join(dir, 'lambda.zip');
  if (!existsSync(zipPath)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), code);
    writeFileSync(zipPath, zipSync({ 'index.js': [code, { mtime: ZIP_MTIME }] }, { level: 9 }));
  }
  const bundle = { dir, zipPath, contentHash, bytes: code.byteLength };
  bundles.set(cacheKey, bundle);
  return bundle;
}

/** How many times esbuild ran in this process (the bench and tests check reuse with it). */
export function esbuildRunCount(): number {
  return esbuildRuns;
}
