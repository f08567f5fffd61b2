// One cold start, in a fresh process: load a function's bundle and serve its first request.
// argv: <code dir> <handler> <event JSON file>. Prints BENCH_COLD_MS=<ms>.
const { readFileSync } = require('fs');
const { join } = require('path');
const { performance } = require('perf_hooks');

const [codeDir, handler, eventFile] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const [file, exportName] = handler.split('.');
console.log = () => undefined;

const started = performance.now();
const loaded = require(join(codeDir, `${file}.js`));
Promise.resolve(loaded[exportName](event, { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 30000 }))
  .then((result) => {
    const elapsed = performance.now() - started;
    if (result && result.statusCode >= 400) throw new Error(`first request answered ${result.statusCode}: ${result.body}`);
    process.stdout.write(`BENCH_COLD_MS=${elapsed.toFixed(2)}\n`);
    process.exit(0);
  })
  .catch((error) => {
    process.stderr.write(`${error.stack || error}\n`);
    process.exit(1);
  });
