/**
 * `npm run local`: synthesizes the app, then runs the synthesized stack on
 * loopback (see local/local-stack.ts) until Ctrl-C. Everything is in memory:
 * stopping loses every job. Ctrl-C stops at once (open connections are
 * closed; running executions are waited for); a second Ctrl-C exits now.
 *
 *   --port N         API port (default 3000)
 *   --dynamo-port N  dynalite port (default: a free one)
 *   --aws-port N     local AWS endpoint port (default: a free one)
 *   --retry-ms N     wait N ms between task retries (default: the definition's backoff)
 *   --verbose        also print the functions' own JSON log lines
 */
import { App } from 'cdktf';
import { join } from 'path';
import { LocalPortInUseError, startLocalStack } from '../local/local-stack';
import { LOCAL_ENVIRONMENT, environmentNamed } from '../config/environments';
import { buildApp } from '../main';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function portFlag(name: string, fallback: number): number {
  const value = flag(name);
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--${name} must be a port number from 0 to 65535, got ${value}`);
    process.exit(2);
  }
  return port;
}

async function main(): Promise<void> {
  const outdir = 'cdktf.out';
  const stackId = environmentNamed(LOCAL_ENVIRONMENT).namePrefix;
  console.log(`Synthesizing ${stackId} (environment ${LOCAL_ENVIRONMENT}) ...`);
  buildApp(new App({ outdir }), { environments: [LOCAL_ENVIRONMENT] }).synth();
  const stackDir = join(outdir, 'stacks', stackId);

  const verbose = process.argv.includes('--verbose');
  const local = await startLocalStack({
    stackDir,
    apiPort: portFlag('port', 3000),
    dynamoPort: portFlag('dynamo-port', 0),
    awsPort: portFlag('aws-port', 0),
    retryIntervalMs: flag('retry-ms') === undefined ? undefined : Number(flag('retry-ms')),
    log: (line) => console.log(line),
    onFunctionOutput: verbose ? (fn, line) => console.log(`[${fn}] ${line}`) : undefined,
  });

  const routes = local.stack.routes().map((r) => `${r.method} ${r.resource}`).join(', ');
  console.log(
    [
      `Running the synthesized ${stackId} from ${stackDir}:`,
      `  API        ${local.apiUrl}   (${routes})`,
      `  DynamoDB   ${local.dynamoEndpoint}   (dynalite, table ${local.tableName})`,
      `  AWS        ${local.awsEndpoint}   (Step Functions, SNS; published messages: GET ${local.awsEndpoint}/_local/messages)`,
      `  Functions  ${local.stack.functions().map((f) => f.functionName).join(', ')} (from their code zips)`,
      '',
      'The API checks SigV4 signatures (AWS_IAM), made with these local credentials (new each run):',
      `  export AWS_ACCESS_KEY_ID=${local.apiCredentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${local.apiCredentials.secretAccessKey} API_URL=${local.apiUrl}`,
      '',
      `Try: curl -s --aws-sigv4 "aws:amz:us-east-1:execute-api" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \\`,
      `       -X POST ${local.apiUrl}/jobs -H 'content-type: application/json' -d '{"type":"wordcount","payload":{"text":"hello local world"}}'`,
      `  or: npm run call -- POST /jobs '{"type":"wordcount","payload":{"text":"hello local world"}}'`,
      'Everything lives in memory: stopping loses every job. Press Ctrl-C to stop.',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      console.log(`\n${signal} again: exiting now.`);
      process.exit(130);
    }
    stopping = true;
    const running = [...local.aws.executions.values()].filter((e) => e.status === 'RUNNING').length;
    console.log(`\n${signal}: stopping${running > 0 ? ` (waiting for ${running} running executions; Ctrl-C again to exit now)` : ''} ...`);
    await local.stop();
    const messages = local.aws.messages.length;
    console.log(`Stopped. ${local.aws.executions.size} executions ran, ${messages} SNS messages published.`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

const PORT_FLAGS = { apiPort: '--port', dynamoPort: '--dynamo-port', awsPort: '--aws-port' } as const;

main().catch((error: Error) => {
  if (error instanceof LocalPortInUseError) {
    console.error(`Port ${error.port} is already in use: pass another with ${PORT_FLAGS[error.option]} N (or ${PORT_FLAGS[error.option]} 0 for a free one).`);
    process.exit(1);
  }
  console.error(error.stack ?? error.message);
  process.exit(1);
});
