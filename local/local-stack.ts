import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { AddressInfo } from 'net';
import { LocalApiServer } from './api-server';
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

/**
 * Runs a synthesized stack on this machine: dynalite holds the synthesized
 * table, every function runs from the code zip that would be uploaded, the
 * workflow runs the synthesized definition, the API serves the synthesized
 * routes. Nothing here reads TypeScript sources.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => undefined);
  const stack = new SynthesizedStack(options.stackDir);

  const dynaliteServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => dynaliteServer.listen(options.dynamoPort ?? 0, '127.0.0.1', resolve));
  const dynamoEndpoint = `http://127.0.0.1:${(dynaliteServer.address() as AddressInfo).port}`;
  const dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const table = stack.table();
  await dynamo.send(new CreateTableCommand(createTableInput(table.block)));

  const machine = stack.stateMachine();
  const machineResource = Object.keys(stack.json.resource.aws_sfn_state_machine)[0];
  const aws = new LocalAws({
    stateMachine: { arn: machine.arn, definition: machine.definition, roleOwner: machineResource.split('_')[0] },
    topicArns: stack.topicArns(),
    retryIntervalMs: options.retryIntervalMs,
    log,
  });
  aws.faults = options.faults;
  const awsEndpoint = await aws.start(options.awsPort ?? 0);

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
  const apiUrl = await api.start(options.apiPort ?? 0);

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
      await new Promise<void>((resolve) => dynaliteServer.close(() => resolve()));
    },
  };
}
