// Runs one Lambda function's bundled code in a worker thread, like a Lambda
// container: its own environment, module loaded once (cold start), then one
// message per invocation. Plain JavaScript, so it runs under tsx, jest or node alike.
const { parentPort, workerData } = require('worker_threads');
const { join } = require('path');

const { codeDir, handler, functionName } = workerData;
const [file, exportName] = handler.split('.');
let loaded;
let initError;
try {
  loaded = require(join(codeDir, `${file}.js`));
  if (typeof loaded[exportName] !== 'function') throw new Error(`${handler} is not a function exported by the bundle`);
} catch (error) {
  initError = error;
}

function lambdaError(error) {
  return {
    errorType: (error && error.name) || 'Error',
    errorMessage: (error && error.message) || String(error),
    trace: String((error && error.stack) || '').split('\n'),
  };
}

parentPort.on('message', async ({ id, event, requestId }) => {
  if (initError) {
    parentPort.postMessage({ id, error: { ...lambdaError(initError), errorType: 'Runtime.ImportModuleError' } });
    return;
  }
  const context = {
    functionName,
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => 30000,
  };
  try {
    const result = await loaded[exportName](event, context);
    parentPort.postMessage({ id, result: result === undefined ? null : result });
  } catch (error) {
    parentPort.postMessage({ id, error: lambdaError(error) });
  }
});
