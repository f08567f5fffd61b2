// Loads `.ts` files in Node's CommonJS loader for cdktf.json's app (see app-preload.cjs).
//
// Why not tsx's hook: it also runs es-module-lexer over every JavaScript file the app
// requires, cdktf and the provider bindings included, and turns on source maps for all
// of them; a CPU profile of one synth put about 0.3 s of 1.1 s there. This hook touches
// only `.ts` files: each is transpiled once by esbuild (already a dependency, for the
// Lambda bundles), kept on disk under a key of its path, its content, esbuild's version
// and the transform options (tsconfig.json among them), and reused until one changes. Source maps stay on for those
// files only, so a stack trace still points at the TypeScript line. Unlike tsx it does not
// map tsconfig.json's `paths` or `.js` specifiers to `.ts` files: nothing main.ts loads uses them.
const { createHash } = require('crypto');
const { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } = require('fs');
const { dirname, join } = require('path');
const nodeModule = require('module');

const ROOT = join(__dirname, '..');

/** The default cache folder; APP_TS_CACHE overrides it. */
const DEFAULT_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'app-ts');

let registered = false;

/**
 * Registers the `.ts` loader (once per process). It replaces any `.ts` handler Node itself
 * installs (type stripping), which would run the files without enums or tsconfig.json.
 * @param {{ cacheDir?: string }} [options]
 */
function registerTypeScript(options = {}) {
  if (registered) return;
  registered = true;
  const cacheDir = options.cacheDir ?? process.env.APP_TS_CACHE ?? DEFAULT_CACHE_DIR;
  // esbuild reads the compiler options that change emitted JavaScript (target, class fields, decorators).
  const tsconfig = readFileSync(join(ROOT, 'tsconfig.json'), 'utf8');
  const transformOptions = { loader: 'ts', format: 'cjs', target: 'node22', sourcemap: 'inline', tsconfigRaw: tsconfig };
  // Everything the output depends on: a change to any of them transpiles again.
  const keyPrefix = `${require('esbuild/package.json').version}\0${JSON.stringify(transformOptions)}\0`;
  let esbuild;

  nodeModule._extensions['.ts'] = function loadTypeScript(module, filename) {
    const source = readFileSync(filename, 'utf8');
    const key = createHash('sha256').update(`${keyPrefix}${filename}\0${source}`).digest('hex');
    const cached = join(cacheDir, `${key}.js`);
    let code;
    try {
      code = readFileSync(cached, 'utf8');
    } catch {
      esbuild ??= require('esbuild');
      code = esbuild.transformSync(source, { ...transformOptions, sourcefile: filename }).code;
      keep(cached, code);
    }
    module._compile(code, filename);
  };

  // Source maps for the transpiled files only: cdktf's own inline maps are large and would
  // be parsed on every stack trace cdktf captures (it captures one per token). Node before
  // 22.14 has only the all-or-nothing switch.
  if (typeof nodeModule.setSourceMapsSupport === 'function') {
    nodeModule.setSourceMapsSupport(true, { nodeModules: false, generatedCode: true });
  } else {
    process.setSourceMapsEnabled(true);
  }
}

/** Writes a cache entry aside and renames it (two synths at once never read half a file); a cache that cannot be written only costs speed. */
function keep(cached, code) {
  const partial = `${cached}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(cached), { recursive: true });
    writeFileSync(partial, code);
    renameSync(partial, cached);
  } catch {
    try {
      rmSync(partial, { force: true });
    } catch {
      // The folder itself could not be made: there is no partial file.
    }
  }
}

module.exports = { registerTypeScript, DEFAULT_CACHE_DIR };
