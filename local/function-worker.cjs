// Runs one Lambda function's bundled code in a worker thread, like a Lambda
// container: its own environment, module loaded once (cold start), then one
// message per invocation. Plain JavaScript, so it runs under tsx, jest or node alike.
const { parentPort, workerData } = require('worker_threads');
const { join } = require('path');

const { codeDir, handler, functionName, accountId, region, forwardOutput } = workerData;

// Nobody reads the function's log lines: skip shipping them to the parent thread.
if (!forwardOutput) {
  console.log = () => undefined;
  console.info = () => undefined;
  console.warn = () => undefined;
  console.error = () => undefined;
}

/**
 * Records every AWS call the code makes, with its IAM action and resource ARN,
 * through an SDK middleware added to each client on its first send. All SDK v3
 * clients share one base class, taken here from the DynamoDB client.
 */
const SERVICE_PREFIX = { DynamoDBClient: 'dynamodb', SFNClient: 'states', SNSClient: 'sns' };

function resourceOf(service, input) {
  if (service === 'dynamodb') {
    const table = `arn:aws:dynamodb:${region}:${accountId}:table/${input.TableName}`;
    return input.IndexName ? `${table}/index/${input.IndexName}` : table;
  }
  return input.stateMachineArn || input.executionArn || input.TopicArn || '*';
}

// Sent with the next invocation reply: one message per invocation, not one per call.
let recordedCalls = [];
function takeCalls() {
  const calls = recordedCalls;
  recordedCalls = [];
  return calls;
}

const SdkClient = Object.getPrototypeOf(require('@aws-sdk/client-dynamodb').DynamoDBClient);
const instrumented = new WeakSet();
const send = SdkClient.prototype.send;
SdkClient.prototype.send = function sendRecorded(...args) {
  if (!instrumented.has(this)) {
    instrumented.add(this);
    this.middlewareStack.add(
      (next, context) => async (request) => {
        const service = SERVICE_PREFIX[context.clientName] || context.clientName;
        const action = `${service}:${String(context.commandName).replace(/Command$/, '')}`;
        recordedCalls.push({ action, resource: resourceOf(service, request.input || {}) });
        return next(request);
      },
      { step: 'initialize', name: 'localRunCallRecorder' },
    );
  }
  return send.apply(this, args);
};
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
    parentPort.postMessage({ id, calls: takeCalls(), error: { ...lambdaError(initError), errorType: 'Runtime.ImportModuleError' } });
    return;
  }
  const context = {
    functionName,
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => 30000,
  };
  try {
    const result = await loaded[exportName](event, context);
    parentPort.postMessage({ id, calls: takeCalls(), result: result === undefined ? null : result });
  } catch (error) {
    parentPort.postMessage({ id, calls: takeCalls(), error: lambdaError(error) });
  }
});
