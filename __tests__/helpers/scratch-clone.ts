import { spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join } from 'path';

/**
 * A scratch clone for the tests that run the README's commands as a new user would: a temp folder
 * holding what a fresh clone of this checkout holds once committed (every file git tracks or would
 * track: not ignored), so no build output, cache or state of this checkout leaks in, and uncommitted
 * edits of the README and the code are what is tested. `node_modules` (and the pinned Node binaries
 * of scripts/node/, which scripts/with-node.sh installs) are linked from this checkout, as
 * `npm ci` from the lockfile would have installed them, instead of installing again from the network;
 * `.ci/run` is what runs `npm ci` itself, on a clean checkout.
 */
const ROOT = join(__dirname, '..', '..');

export function scratchClone(prefix = 'scratch-clone-'): string {
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (listed.error || listed.status !== 0) {
    throw new Error(`the scratch clone needs git and a git checkout: git ls-files failed (${listed.error?.message ?? listed.stderr})`);
  }
  const clone = join(mkdtempSync(join(tmpdir(), prefix)), 'repo');
  for (const file of listed.stdout.split('\0').filter((f) => f.length > 0)) {
    const source = join(ROOT, file);
    if (!existsSync(source)) continue; // tracked, but deleted in this checkout (uncommitted)
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    copyFileSync(source, join(clone, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  for (const major of readdirSync(join(ROOT, 'scripts', 'node'))) {
    const installed = join(ROOT, 'scripts', 'node', major, 'node_modules');
    if (existsSync(installed)) symlinkSync(installed, join(clone, 'scripts', 'node', major, 'node_modules'), 'dir');
  }
  return clone;
}

/** Deletes a scratch clone (its links are removed, never what they point at). */
export function removeScratchClone(clone: string): void {
  rmSync(dirname(clone), { recursive: true, force: true });
}
