// One cold start in a fresh process, as Lambda runs one: the init phase (loading the
// function's code, which builds its SDK clients) and then its first invoke.
// argv: <handler file> <export name> <event JSON file>.
// Prints BENCH_INIT_MS=<ms> and BENCH_INVOKE_MS=<ms>; the process start before this file runs
// is the same for every function and is measured by the floor (an empty handler).
const { readFileSync } = require('fs');
const { pathToFileURL } = require('url');
const { performance } = require('perf_hooks');

const [handlerFile, exportName, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
console.log = () => undefined;

async function main() {
  const started = performance.now();
  const loaded = handlerFile.endsWith('.mjs') ? await import(pathToFileURL(handlerFile).href) : require(handlerFile);
  const initialized = performance.now();
  const result = await loaded[exportName](event, { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 });
  const invoked = performance.now();
  if (result && result.statusCode >= 400) throw new Error(`first request answered ${result.statusCode}: ${result.body}`);
  process.stdout.write(`BENCH_INIT_MS=${(initialized - started).toFixed(2)}\nBENCH_INVOKE_MS=${(invoked - initialized).toFixed(2)}\n`);
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  },
);
