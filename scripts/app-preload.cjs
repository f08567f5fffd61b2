// Preloaded by cdktf.json's `app` (`node --require ./scripts/app-preload.cjs main.ts`): one
// node process runs the TypeScript app, with no npx and no tsx CLI parent process.
// 1. Node's module compile cache (Node >= 22.1): V8 code for the modules the app loads
//    (cdktf, the provider bindings, the transpiled sources) is kept on disk and reused by
//    the next synth. Its folder: NODE_COMPILE_CACHE when set, else node_modules/.cache.
//    NODE_DISABLE_COMPILE_CACHE=1 turns it off.
// 2. cdktf requires `archiver` at load time (about 0.1 s) for ARCHIVE assets, which this
//    project never uses (it zips bundles itself and hands cdktf FILE assets); the require
//    from cdktf gets a stand-in that loads the real archiver on its first call.
// 3. A `.ts` loader that transpiles each TypeScript file once and keeps it on disk
//    (scripts/ts-require-hook.cjs), so `main.ts` and what it imports load as TypeScript.
// 4. A refusal prints as one block: a GuardValidationError, or cdktf's "Validation failed"
//    (a stack's validations) or "App-level validation failed" (the deployment check of the
//    whole app) listing the final-tree checks, is written to stderr as its message alone and the app
//    exits 1. Node would add a source excerpt of the throwing line inside the library and a
//    stack trace, and `cdktf synth` repeats the app's stderr twice (its log and its summary),
//    so the construct path, rule, value and fix would drown. Other errors print as Node prints them.
const { join, sep } = require('path');
const nodeModule = require('module');

if (typeof nodeModule.enableCompileCache === 'function' && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  nodeModule.enableCompileCache(process.env.NODE_COMPILE_CACHE || join(__dirname, '..', 'node_modules', '.cache', 'node-compile-cache'));
}

const originalLoad = nodeModule._load;
// cdktf, or cdktn (CDK Terrain keeps the same file layout).
const fromCdk = [`${sep}node_modules${sep}cdktf${sep}`, `${sep}node_modules${sep}cdktn${sep}`];
nodeModule._load = function load(request, parent, isMain) {
  if (request === 'archiver' && parent && parent.filename && fromCdk.some((dir) => parent.filename.includes(dir))) {
    let archiver;
    return function lazyArchiver(...args) {
      archiver = archiver || originalLoad.call(nodeModule, request, parent, false);
      return archiver(...args);
    };
  }
  return originalLoad.call(this, request, parent, isMain);
};

require('./ts-require-hook.cjs').registerTypeScript();

const VALIDATION_FAILED = /^(App-level validation|Validation) failed with the following errors:/;
// cdktf's closing advice (for a stack's validations, and for the App's) would switch every final-tree guard off: not offered.
const SKIP_VALIDATION_ADVICE =
  /\n+(If you wish to ignore these validations, pass 'skipValidation: true'[^\n]*|Validations allow for dynamic verification of your project\.\nTo skip validations, add 'skipValidation: true'[^\n]*)\s*$/;
process.on('uncaughtException', (error) => {
  const refusal = error instanceof Error && (error.name === 'GuardValidationError' || VALIDATION_FAILED.test(error.message));
  process.stderr.write(`${refusal ? error.message.replace(SKIP_VALIDATION_ADVICE, '') : require('util').inspect(error)}\n`);
  process.exit(1);
});
