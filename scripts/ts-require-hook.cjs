// Loads `.ts` files in Node's CommonJS loader for cdktf.json's app (see app-preload.cjs).
//
// Why not tsx's hook: it also runs es-module-lexer over every JavaScript file the app
// requires, cdktf and the provider bindings included, and turns on source maps for all
// of them; a CPU profile of one synth put about 0.35 s of 1.1 s there. This hook touches
// only `.ts` files: each is transpiled once by esbuild (already a dependency, for the
// Lambda bundles), kept on disk under a key of its path, its content, esbuild's version
// and tsconfig.json, and reused until one of them changes. Source maps stay on for those
// files only, so a stack trace still points at the TypeScript line.
const { createHash } = require('crypto');
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require('fs');
const { join } = require('path');
const nodeModule = require('module');

const ROOT = join(__dirname, '..');

/** The default cache folder; APP_TS_CACHE overrides it. */
const DEFAULT_CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'app-ts');

/**
 * Registers the `.ts` loader (once per process).
 * @param {{ cacheDir?: string }} [options]
 */
function registerTypeScript(options = {}) {
  if (nodeModule._extensions['.ts']) return;
  const cacheDir = options.cacheDir ?? process.env.APP_TS_CACHE ?? DEFAULT_CACHE_DIR;
  // esbuild reads the compiler options that change emitted JavaScript (target, class fields, decorators).
  const tsconfig = readFileSync(join(ROOT, 'tsconfig.json'), 'utf8');
  const esbuildVersion = require('esbuild/package.json').version;
  let esbuild;

  nodeModule._extensions['.ts'] = function loadTypeScript(module, filename) {
    const source = readFileSync(filename, 'utf8');
    const key = createHash('sha256').update(`${esbuildVersion}\0${tsconfig}\0${filename}\0${source}`).digest('hex');
    const cached = join(cacheDir, `${key}.js`);
    let code;
    try {
      code = readFileSync(cached, 'utf8');
    } catch {
      esbuild ??= require('esbuild');
      code = esbuild.transformSync(source, {
        loader: 'ts',
        format: 'cjs',
        target: 'node22',
        sourcemap: 'inline',
        sourcefile: filename,
        tsconfigRaw: tsconfig,
      }).code;
      mkdirSync(cacheDir, { recursive: true });
      // Written aside and renamed: two synths at once never read half a file.
      const partial = `${cached}.${process.pid}.tmp`;
      writeFileSync(partial, code);
      renameSync(partial, cached);
    }
    module._compile(code, filename);
  };

  // Source maps for the transpiled files only: cdktf's own inline maps are large and would
  // be parsed on every stack trace cdktf captures (it captures one per token).
  if (typeof nodeModule.setSourceMapsSupport === 'function') {
    nodeModule.setSourceMapsSupport(true, { nodeModules: false, generatedCode: true });
  } else {
    process.setSourceMapsEnabled(true);
  }
}

module.exports = { registerTypeScript, DEFAULT_CACHE_DIR };
