import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { LocalApiServer } from './api-server';
import { DynamoGuard, PortInUseError, listen } from './dynamo-guard';
import { HostedFunction } from './function-host';
import { FaultInjector, LocalAws } from './local-aws';
import { LocalCredentials, newLocalCredentials, signedFetch } from './sigv4';
import { LOCAL_REGION, SynthesizedStack } from './synthesized-stack';
import { createTableInput } from './table';

export interface LocalStackOptions {
  /** Folder of a synthesized stack: cdk.tf.json and its assets. */
  readonly stackDir: string;
  /** @default 0 (a free port) */
  readonly apiPort?: number;
  /** @default 0 (a free port) */
  readonly dynamoPort?: number;
  /** @default 0 (a free port) */
  readonly awsPort?: number;
  /** Milliseconds between task retries. @default the definition's own backoff, in real time */
  readonly retryIntervalMs?: number;
  /** Faults the runner injects into tasks; handler code never knows. */
  readonly faults?: FaultInjector;
  /** One readable line per request and per state transition. @default discard */
  readonly log?: (line: string) => void;
  /** The functions' own output (their JSON log lines). @default discard */
  readonly onFunctionOutput?: (functionName: string, line: string) => void;
  /** Credentials whose SigV4 signatures the API's AWS_IAM routes accept. @default fresh ones for this run */
  readonly apiCredentials?: LocalCredentials;
}

export interface LocalStack {
  readonly apiUrl: string;
  readonly dynamoEndpoint: string;
  readonly awsEndpoint: string;
  readonly tableName: string;
  /** Sign API requests with these (region us-east-1, service execute-api). */
  readonly apiCredentials: LocalCredentials;
  /** `fetch` on the API (`path` like `/jobs`), signed with {@link apiCredentials}. */
  callApi(path: string, request?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<Response>;
  readonly stack: SynthesizedStack;
  readonly aws: LocalAws;
  readonly dynamo: DynamoDBClient;
  stop(): Promise<void>;
}

/** A port the local run was asked for is taken; `option` names the setting (`apiPort`, `dynamoPort`, `awsPort`). */
export class LocalPortInUseError extends Error {
  constructor(
    public readonly option: 'apiPort' | 'dynamoPort' | 'awsPort',
    public readonly port: number,
  ) {
    super(`port ${port} (${option}) is already in use`);
    this.name = 'LocalPortInUseError';
  }
}

async function onPort<T>(option: LocalPortInUseError['option'], port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    throw error instanceof PortInUseError ? new LocalPortInUseError(option, port) : error;
  }
}

/**
 * Runs a synthesized stack on this machine, everything in memory: dynalite holds the synthesized
 * table, every function runs from the code zip that would be uploaded, the
 * workflow runs the synthesized definition, the API serves the synthesized
 * routes. Nothing here reads TypeScript sources.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const stack = new SynthesizedStack(options.stackDir);

  // dynalite (in memory) behind a guard that enforces DynamoDB's limits dynalite lacks; everything talks to the guard.
  const dynaliteServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  // Listening only so that dynalite's close() runs its store shutdown; requests reach it through the guard, in process.
  await listen(dynaliteServer, 0);
  const guard = new DynamoGuard(dynaliteServer);
  const dynamoEndpoint = await onPort('dynamoPort', options.dynamoPort ?? 0, () => guard.start(options.dynamoPort ?? 0));
  const dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const table = stack.table();
  await dynamo.send(new CreateTableCommand(createTableInput(table.block)));

  const machine = stack.stateMachine();
  const machineResource = Object.keys(stack.json.resource.aws_sfn_state_machine)[0];
  const aws = new LocalAws({
    stateMachine: { arn: machine.arn, definition: machine.definition, roleOwner: machineResource.split('_')[0] },
    topicArns: stack.topicArns(),
    retryIntervalMs: options.retryIntervalMs,
    dynamo,
    log,
  });
  aws.faults = options.faults;
  const awsEndpoint = await onPort('awsPort', options.awsPort ?? 0, () => aws.start(options.awsPort ?? 0));

  const functions = stack.functions().map((definition) => {
    const hosted = new HostedFunction(definition, {
      sdkEnvironment: {
        AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
        AWS_ENDPOINT_URL_SFN: awsEndpoint,
        AWS_ENDPOINT_URL_SNS: awsEndpoint,
      },
      onOutput: options.onFunctionOutput,
      onCall: (call) => aws.recordCall(definition.constructId, call),
    });
    aws.addFunction(hosted);
    return hosted;
  });

  const stageName = Object.values(stack.json.resource.aws_api_gateway_stage ?? {})[0]?.stage_name ?? 'local';
  const apiCredentials = options.apiCredentials ?? newLocalCredentials();
  const api = new LocalApiServer(stack.routes(), new Map(functions.map((f) => [f.definition.functionName, f])), stageName, log, {
    credentials: [apiCredentials],
    region: LOCAL_REGION,
  });
  const apiUrl = await onPort('apiPort', options.apiPort ?? 0, () => api.start(options.apiPort ?? 0));

  return {
    apiUrl,
    dynamoEndpoint,
    awsEndpoint,
    tableName: table.name,
    apiCredentials,
    callApi: (path, request = {}) => signedFetch(`${apiUrl}${path}`, request, apiCredentials, LOCAL_REGION),
    stack,
    aws,
    dynamo,
    stop: async () => {
      await api.stop();
      await aws.idle();
      await aws.stop();
      await Promise.all(functions.map((f) => f.stop()));
      dynamo.destroy();
      await guard.stop();
      const closed = new Promise<void>((resolve) => dynaliteServer.close(() => resolve()));
      dynaliteServer.closeAllConnections();
      await closed;
    },
  };
}
