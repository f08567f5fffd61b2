/**
 * The floors the bench reports next to a budget it misses: the same measurement with this
 * project's own work taken out, so what remains is what the tools cost by themselves.
 */
import { mkdirSync, writeFileSync } from 'fs';
import { join, relative, resolve } from 'path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '..');
const FLOOR_DIR = join(ROOT, 'bench', 'tmp', 'floors');
export const EMPTY_APP = join(__dirname, 'floors', 'empty-app.ts');

/** cdktf.json's app command with main.ts swapped for the empty app. */
export function emptyAppCommand(appCommand: string): string {
  if (!/\bmain\.ts\b/.test(appCommand)) throw new Error(`cdktf.json's app (${appCommand}) does not name main.ts: the floor cannot swap it`);
  return appCommand.replace(/\bmain\.ts\b/, relative(ROOT, EMPTY_APP));
}

/** A cdktf project folder of its own whose app is the empty app (its paths made absolute). */
export function cdktfFloorProject(appCommand: string): string {
  const dir = join(FLOOR_DIR, 'cdktf');
  mkdirSync(dir, { recursive: true });
  const app = emptyAppCommand(appCommand)
    .split(' ')
    .map((word) => (word.startsWith('./') || word.startsWith('bench/') ? join(ROOT, word) : word))
    .join(' ');
  writeFileSync(join(dir, 'cdktf.json'), `${JSON.stringify({ language: 'typescript', app, terraformProviders: [], terraformModules: [], context: {} }, null, 2)}\n`);
  return dir;
}

/**
 * A tsconfig whose one file refers to every package the project's files import (`typeof
 * import('x')`) and nothing else: tsc loads the same declaration files and checks no project
 * code. Not incremental: the floor is loading the declarations, which a warm build info cannot skip.
 * Returns the tsconfig's path and how many packages it names.
 */
export function tscFloorProject(): { tsconfig: string; packages: number } {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('tsconfig.json does not parse');
  const mapped = new Set(Object.keys(config.options.paths ?? {}));
  const packages = new Set<string>();
  for (const file of config.fileNames) {
    if (file.endsWith('.d.ts')) continue;
    for (const imported of ts.preProcessFile(ts.sys.readFile(file) ?? '', true, true).importedFiles) {
      if (!imported.fileName.startsWith('.') && !mapped.has(imported.fileName)) packages.add(imported.fileName);
    }
  }
  const dir = join(FLOOR_DIR, 'tsc');
  mkdirSync(dir, { recursive: true });
  const probe = [...packages].sort().map((name, i) => `export type Package${i} = typeof import(${JSON.stringify(name)});`);
  writeFileSync(join(dir, 'imports.ts'), `${probe.join('\n')}\n`);
  const declarations = config.fileNames.filter((file) => file.endsWith('.d.ts')).map((file) => relative(dir, file));
  const tsconfig = join(dir, 'tsconfig.json');
  writeFileSync(tsconfig, `${JSON.stringify({ extends: relative(dir, join(ROOT, 'tsconfig.json')), compilerOptions: { incremental: false }, include: ['imports.ts', ...declarations], exclude: [] }, null, 2)}\n`);
  return { tsconfig, packages: packages.size };
}
