import { createHash } from 'crypto';
import { buildSync } from 'esbuild';
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
  /** Folder holding `index.js`: the folder the asset zips. */
  readonly dir: string;
  /** sha256 of the bundle, hex. */
  readonly contentHash: string;
  readonly bytes: number;
}

const BUNDLE_ROOT = join(tmpdir(), 'guarded-serverless-bundles');
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
  if (!existsSync(join(dir, 'index.js'))) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.js'), code);
  }
  const bundle = { dir, contentHash, bytes: code.byteLength };
  bundles.set(cacheKey, bundle);
  return bundle;
}

/** How many times esbuild ran in this process (the bench and tests check reuse with it). */
export function esbuildRunCount(): number {
  return esbuildRuns;
}
