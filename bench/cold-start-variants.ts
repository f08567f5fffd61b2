/**
 * Builds one Lambda entry the ways the cold-start levers compare, into bench/tmp/
 * (inside the repository, so a bundle that leaves `@aws-sdk/*` out resolves the SDK from
 * node_modules, as the deployed one resolves the runtime's). Returns the handler file of each.
 */
import { BuildOptions, buildSync } from 'esbuild';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';

export const COLD_START_VARIANTS = {
  /** What UnreservedFunction deploys: CommonJS, minified, the SDK left to the runtime. */
  'cjs, SDK external (deployed)': { format: 'cjs', external: ['@aws-sdk/*'] },
  /** ESM with tree-shaking, `module` fields first, a `.mjs` handler; the SDK left to the runtime. */
  'esm, SDK external': { format: 'esm', external: ['@aws-sdk/*'] },
  /** The SDK bundled in (AWS's advice for cold start), CommonJS. */
  'cjs, SDK bundled': { format: 'cjs', external: [] },
  /** The SDK bundled in, ESM with tree-shaking. */
  'esm, SDK bundled': { format: 'esm', external: [] },
} as const satisfies Record<string, Pick<BuildOptions, 'format' | 'external'>>;

export type ColdStartVariant = keyof typeof COLD_START_VARIANTS;

export interface BuiltVariant {
  readonly handlerFile: string;
  readonly bytes: number;
}

export function buildVariant(entry: string, variant: ColdStartVariant, outRoot: string): BuiltVariant {
  const { format, external } = COLD_START_VARIANTS[variant];
  const dir = join(outRoot, variant.replace(/[^a-z]+/gi, '-'));
  const file = join(dir, format === 'esm' ? 'index.mjs' : 'index.js');
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node22',
    minify: true,
    legalComments: 'none',
    format,
    external: [...external],
    mainFields: format === 'esm' ? ['module', 'main'] : ['main', 'module'],
    // Bundled CommonJS dependencies call require() for Node built-ins, and the library's error type
    // reads __dirname: an ESM bundle needs both.
    banner:
      format === 'esm'
        ? { js: "import { createRequire } from 'module'; import { fileURLToPath as __bench_fileURLToPath } from 'url'; const require = createRequire(import.meta.url); const __dirname = __bench_fileURLToPath(new URL('.', import.meta.url));" }
        : undefined,
    write: false,
    logLevel: 'silent',
  });
  mkdirSync(dir, { recursive: true });
  const code = result.outputFiles[0].contents;
  writeFileSync(file, code);
  return { handlerFile: file, bytes: code.byteLength };
}

/** The floor: an empty handler, started and invoked by the same harness. */
export function buildFloor(outRoot: string): BuiltVariant {
  const dir = join(outRoot, 'floor');
  mkdirSync(dir, { recursive: true });
  const code = "exports.handler = async () => ({ statusCode: 200, body: '{}' });\n";
  writeFileSync(join(dir, 'index.js'), code);
  return { handlerFile: join(dir, 'index.js'), bytes: code.length };
}

/**
 * An SDK floor: a handler whose init only loads `modules` from the runtime's SDK, then answers at
 * once. With `@aws-sdk/client-dynamodb` alone it is every function's floor (each one reads or
 * writes the table); with the modules a function's bundle requires it is that function's own
 * (the runtime provides them, so no bundle can make them smaller).
 */
export function buildSdkFloor(outRoot: string, modules: readonly string[] = ['@aws-sdk/client-dynamodb']): BuiltVariant {
  const dir = join(outRoot, `floor-sdk-${modules.map((module) => module.replace(/^@aws-sdk\//, '')).join('-')}`);
  mkdirSync(dir, { recursive: true });
  const code = `${modules.map((module) => `require(${JSON.stringify(module)});`).join('\n')}\nexports.handler = async () => ({ statusCode: 200, body: '{}' });\n`;
  writeFileSync(join(dir, 'index.js'), code);
  return { handlerFile: join(dir, 'index.js'), bytes: code.length };
}

/** The runtime SDK modules a CommonJS bundle requires (esbuild keeps each external `require("...")` as written). */
export function sdkModulesRequiredBy(bundle: string): string[] {
  return [...new Set([...bundle.matchAll(/\brequire\("(@aws-sdk\/[^"]+)"\)/g)].map((match) => match[1]))].sort();
}
