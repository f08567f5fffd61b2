import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { RunOptions, StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import { randomUUID } from 'crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'http';
import { AddressInfo } from 'net';
import { AWS_LIMITS } from '../lambdas/shared/limits';
import { closeNow, listen } from './dynamo-guard';
import { HostedFunction, LambdaInvocationError } from './function-host';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './synthesized-stack';

/**
 * The endpoint the hosted functions' Step Functions and SNS calls go to
 * (through the SDK's AWS_ENDPOINT_URL_SFN / _SNS settings; DynamoDB calls go
 * straight to dynalite):
 *  - StartExecution / DescribeExecution run the synthesized definition in
 *    aws-local-stepfunctions, each Task invoking the hosted function its
 *    Resource names;
 *  - SNS Publish is recorded, logged, and listed at GET /_local/messages.
 * It also keeps the record of every AWS call made during the run (caller,
 * IAM action, resource ARN) for the IAM simulation: the functions' calls,
 * reported by their SDK middleware, and the workflow's Lambda invocations.
 *
 * It enforces Step Functions' 256 KiB limits as AWS does: a larger execution
 * input is refused at StartExecution (ValidationException), and a state whose
 * input or output passes 256 KiB ends the execution FAILED with
 * `States.DataLimitExceeded`, which no Catch catches.
 */

export interface RecordedCall {
  /** Who made the call: the construct id owning the caller's role (`Api`, `JobWorkflow`, ...). */
  readonly caller: string;
  readonly action: string;
  readonly resource: string;
}

export interface PublishedMessage {
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageId: string;
}

export interface ExecutionRecord {
  readonly executionArn: string;
  readonly name: string;
  readonly input: string;
  status: 'RUNNING' | 'SUCCEEDED' | 'FAILED';
  readonly startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  /** Retries per state, from the execution's event log. */
  readonly retries: Record<string, number>;
  /** The states the execution entered, in order. */
  readonly states: string[];
  readonly done: Promise<void>;
}

/**
 * Decides, per task attempt, whether the runner injects a fault: an error
 * name thrown instead of invoking the function, or `{ error, afterInvoke }`
 * thrown after the function ran (as when a task times out after its work was
 * done), or undefined. Handler code never knows.
 */
export type InjectedFault = string | { readonly error: string; readonly afterInvoke: true };
export type FaultInjector = (stateName: string, input: unknown) => InjectedFault | undefined;

function injected(error: string): Error {
  return Object.assign(new Error(JSON.stringify({ errorType: error, errorMessage: `Injected ${error} (local run)` })), { name: error });
}

export interface LocalAwsOptions {
  readonly stateMachine: { readonly arn: string; readonly definition: Record<string, any>; readonly roleOwner: string };
  readonly topicArns: readonly string[];
  /** Milliseconds between retries; undefined waits as the definition says (real time). */
  readonly retryIntervalMs?: number;
  /** Where the workflow's own DynamoDB tasks (arn:aws:states:::dynamodb:*) go. */
  readonly dynamo?: DynamoDBClient;
  readonly log: (line: string) => void;
}

/** Bytes of a value as Step Functions counts state data: its JSON in UTF-8. */
export function stateDataBytes(value: unknown): number {
  return value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/** Raised by the runner, as AWS does, when state data passes 256 KiB. No Catch catches it. */
class DataLimitExceeded extends Error {
  constructor(public readonly where: string, bytes: number) {
    super(`The state/task '${where}' returned a result with a size exceeding the maximum number of bytes service limit (${bytes} > ${AWS_LIMITS.stateDataBytes}).`);
    this.name = 'States.DataLimitExceeded';
  }
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown, contentType = 'application/x-amz-json-1.0'): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(JSON.stringify(body));
}

export class LocalAws {
  public readonly calls: RecordedCall[] = [];
  public readonly messages: PublishedMessage[] = [];
  public readonly executions = new Map<string, ExecutionRecord>();
  public faults: FaultInjector | undefined;
  private readonly functionsByArn = new Map<string, HostedFunction>();
  private readonly machine: StateMachine;
  private readonly taskStates: [string, string][];
  private readonly retryIntervals: Record<string, number> | undefined;
  private server: Server | undefined;
  /** Per running execution: how to end it at once, uncaught, when it passes a limit. */
  private readonly stoppers = new Map<string, (error: DataLimitExceeded) => void>();

  constructor(private readonly options: LocalAwsOptions) {
    this.machine = new StateMachine(options.stateMachine.definition as StateMachineDefinition, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    const taskStates = Object.entries<{ Type: string; Resource: string }>(options.stateMachine.definition.States).filter(([, state]) => state.Type === 'Task');
    this.taskStates = taskStates.map(([stateName, state]) => [stateName, state.Resource]);
    this.retryIntervals =
      options.retryIntervalMs === undefined ? undefined : Object.fromEntries(taskStates.map(([stateName]) => [stateName, options.retryIntervalMs as number]));
  }

  public async start(port = 0): Promise<string> {
    this.server = createServer({ keepAlive: true }, (request, response) => {
      this.handle(request, response).catch((error: Error) => sendJson(response, 500, { __type: 'InternalFailure', message: error.message }));
    });
    await listen(this.server, port);
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Registers a hosted function: Tasks whose Resource is its ARN invoke it. */
  public addFunction(fn: HostedFunction): void {
    this.functionsByArn.set(fn.definition.arn, fn);
  }

  /** Records an AWS call made by `caller` (the construct id owning the caller's role). */
  public recordCall(caller: string, call: { action: string; resource: string }): void {
    this.calls.push({ caller, action: call.action, resource: call.resource });
  }

  /** Resolves when no execution is running. */
  public async idle(): Promise<void> {
    let running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    while (running.length > 0) {
      await Promise.all(running.map((e) => e.done));
      running = [...this.executions.values()].filter((e) => e.status === 'RUNNING');
    }
  }

  public async stop(): Promise<void> {
    await closeNow(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method === 'GET' && request.url === '/_local/messages') {
      return sendJson(response, 200, this.messages, 'application/json');
    }
    const body = await readBody(request);
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target.startsWith('AWSStepFunctions.')) return this.stepFunctions(response, body, target.split('.')[1]);
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('Action') === 'Publish') return this.publish(response, form);
    sendJson(response, 400, { __type: 'UnknownOperationException', message: `The local run does not serve ${target || form.get('Action')}` });
  }

  private async stepFunctions(response: ServerResponse, body: Buffer, operation: string): Promise<void> {
    let payload: Record<string, any>;
    try {
      payload = JSON.parse(body.toString('utf8') || '{}');
    } catch {
      return sendJson(response, 400, { __type: 'SerializationException', message: 'The request body is not valid JSON' });
    }
    if (operation === 'StartExecution') {
      if (payload.stateMachineArn !== this.options.stateMachine.arn) {
        return sendJson(response, 400, { __type: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${payload.stateMachineArn}'` });
      }
      const inputBytes = Buffer.byteLength(String(payload.input ?? '{}'), 'utf8');
      if (inputBytes > AWS_LIMITS.stateDataBytes) {
        return sendJson(response, 400, {
          __type: 'ValidationException',
          message: `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${AWS_LIMITS.stateDataBytes}`,
        });
      }
      try {
        JSON.parse(payload.input ?? '{}');
      } catch {
        return sendJson(response, 400, { __type: 'InvalidExecutionInput', message: 'Invalid State Machine Execution Input: the input is not valid JSON' });
      }
      const name = payload.name ?? randomUUID();
      const executionArn = `${payload.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
      const existing = this.executions.get(executionArn);
      if (existing && existing.input !== (payload.input ?? '{}')) {
        return sendJson(response, 400, { __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${executionArn}'` });
      }
      const execution = existing ?? this.startExecution(executionArn, name, payload.input ?? '{}');
      return sendJson(response, 200, { executionArn: execution.executionArn, startDate: execution.startDate / 1000 });
    }
    if (operation === 'DescribeExecution') {
      const execution = this.executions.get(payload.executionArn);
      if (!execution) return sendJson(response, 400, { __type: 'ExecutionDoesNotExist', message: `Execution Does Not Exist: '${payload.executionArn}'` });
      return sendJson(response, 200, {
        executionArn: execution.executionArn,
        stateMachineArn: this.options.stateMachine.arn,
        name: execution.name,
        status: execution.status,
        input: execution.input,
        output: execution.output,
        error: execution.error,
        cause: execution.cause,
        startDate: execution.startDate / 1000,
        stopDate: execution.stopDate === undefined ? undefined : execution.stopDate / 1000,
      });
    }
    return sendJson(response, 400, { __type: 'UnknownOperationException', message: `The local run does not serve states:${operation}` });
  }

  private startExecution(executionArn: string, name: string, input: string): ExecutionRecord {
    const record = { executionArn, name, input, status: 'RUNNING', startDate: Date.now(), retries: {}, states: [] } as unknown as ExecutionRecord & {
      done: Promise<void>;
    };
    this.executions.set(executionArn, record);
    const short = name.slice(0, 8);
    this.options.log(`[sfn] ${short} started`);
    // Per execution: every Task invokes the function its Resource names, knowing which execution it serves; retries wait as asked.
    const overrides: NonNullable<RunOptions['overrides']> = {
      taskResourceLocalHandlers: Object.fromEntries(
        this.taskStates.map(([stateName, resource]) => [stateName, (taskInput: unknown) => this.runTask(stateName, resource, taskInput, executionArn)]),
      ) as NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers'],
      retryIntervalOverrides: this.retryIntervals,
    };
    const run = this.machine.run(JSON.parse(input), {
      overrides,
      context: {
        Execution: { Id: executionArn, Name: name, StartTime: new Date(record.startDate).toISOString() },
        // aws-local-stepfunctions has no $$.State; the time a state is read at stands in for the time it was entered.
        State: {
          get EnteredTime() {
            return new Date().toISOString();
          },
        },
      },
    });
    let limitError: DataLimitExceeded | undefined;
    this.stoppers.set(executionArn, (error) => {
      limitError ??= error;
      run.abort();
    });
    const followEvents = (async () => {
      for await (const event of run.eventLogs) {
        const stateData = (event as { state?: { name: string; input?: unknown; output?: unknown } }).state;
        const state = stateData?.name;
        if (event.type === 'StateEntered' && state) record.states.push(state);
        // Pass states and paths can grow state data too: checked on every transition.
        const bytes = event.type === 'StateEntered' ? stateDataBytes(stateData?.input) : event.type === 'StateExited' ? stateDataBytes(stateData?.output) : 0;
        if (bytes > AWS_LIMITS.stateDataBytes && state) this.stoppers.get(executionArn)?.(new DataLimitExceeded(state, bytes));
        if (event.type === 'StateRetried' && state) record.retries[state] = (record.retries[state] ?? 0) + 1;
        if (event.type === 'StateEntered' || event.type === 'StateRetried' || event.type === 'StateCaught' || event.type === 'StateFailed') {
          const error = 'Error' in event ? ` ${event.Error}` : '';
          this.options.log(`[sfn] ${short} ${state} ${event.type.replace('State', '').toLowerCase()}${error}`);
        }
      }
    })();
    record.done = run.result
      .then((output) => {
        record.status = 'SUCCEEDED';
        record.output = JSON.stringify(output);
      })
      .catch((error: Error & { cause?: { name?: string; message?: string } }) => {
        record.status = 'FAILED';
        record.error = limitError?.name ?? error.cause?.name ?? error.name;
        record.cause = limitError?.message ?? error.cause?.message ?? error.message;
      })
      .then(() => followEvents)
      .then(() => {
        if (limitError && record.status !== 'FAILED') {
          record.status = 'FAILED';
          record.error = limitError.name;
          record.cause = limitError.message;
        }
      })
      .finally(() => {
        this.stoppers.delete(executionArn);
        record.stopDate = Date.now();
        this.options.log(`[sfn] ${short} ${record.status}${record.error ? ` (${record.error})` : ''} in ${record.stopDate - record.startDate} ms`);
      });
    return record;
  }

  /** A Task, within the state data limit: its input and its result are at most 256 KiB, or the execution ends uncaught. */
  private async runTask(stateName: string, resource: string, input: unknown, executionArn: string): Promise<unknown> {
    const overLimit = (bytes: number) => {
      const error = new DataLimitExceeded(stateName, bytes);
      this.stoppers.get(executionArn)?.(error);
      return error;
    };
    const inputBytes = stateDataBytes(input);
    if (inputBytes > AWS_LIMITS.stateDataBytes) throw overLimit(inputBytes);
    const output = resource.startsWith('arn:aws:states:::dynamodb:') ? await this.dynamoTask(resource, input) : await this.invokeTask(stateName, resource, input);
    const outputBytes = stateDataBytes(output);
    if (outputBytes > AWS_LIMITS.stateDataBytes) throw overLimit(outputBytes);
    return output;
  }

  /** The workflow's own DynamoDB calls (optimized integrations): errors named `DynamoDB.<code>`, as Step Functions names them. */
  private async dynamoTask(resource: string, parameters: unknown): Promise<unknown> {
    const dynamo = this.options.dynamo;
    if (!dynamo) throw Object.assign(new Error('The local run has no DynamoDB endpoint for the workflow'), { name: 'States.Runtime' });
    const input = parameters as { TableName: string };
    const operation = resource.split(':').pop();
    this.calls.push({
      caller: this.options.stateMachine.roleOwner,
      action: `dynamodb:${operation === 'updateItem' ? 'UpdateItem' : 'PutItem'}`,
      resource: `arn:aws:dynamodb:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:table/${input.TableName}`,
    });
    try {
      if (operation === 'updateItem') return await dynamo.send(new UpdateItemCommand(input as never));
      if (operation === 'putItem') return await dynamo.send(new PutItemCommand(input as never));
    } catch (error) {
      const name = (error as Error).name;
      throw Object.assign(new Error((error as Error).message), { name: `DynamoDB.${name}` });
    }
    throw Object.assign(new Error(`The local run does not serve ${resource}`), { name: 'States.Runtime' });
  }

  /** A Task's Lambda invocation: an injected fault, or the hosted function (errors named as the Lambda service names them). */
  private async invokeTask(stateName: string, resource: string, input: unknown): Promise<unknown> {
    const fault = this.faults?.(stateName, input);
    if (typeof fault === 'string') throw injected(fault);
    const fn = this.functionsByArn.get(resource);
    if (!fn) throw Object.assign(new Error(`No function ${resource}`), { name: 'Lambda.ResourceNotFoundException' });
    this.calls.push({ caller: this.options.stateMachine.roleOwner, action: 'lambda:InvokeFunction', resource });
    try {
      const output = await fn.invoke(input);
      if (fault?.afterInvoke) throw injected(fault.error);
      return output;
    } catch (error) {
      if (error instanceof LambdaInvocationError) {
        // Step Functions reports a function error as Error = errorType, Cause = the error as JSON.
        throw Object.assign(new Error(JSON.stringify({ errorType: error.errorType, errorMessage: error.errorMessage })), { name: error.errorType });
      }
      throw error;
    }
  }

  private publish(response: ServerResponse, form: URLSearchParams): void {
    const topicArn = form.get('TopicArn') ?? '';
    if (!this.options.topicArns.includes(topicArn)) {
      response.writeHead(404, { 'content-type': 'text/xml' });
      response.end('<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error></ErrorResponse>');
      return;
    }
    const messageId = randomUUID();
    const message = form.get('Message') ?? '';
    this.messages.push({ topicArn, message, subject: form.get('Subject') ?? undefined, messageId });
    this.options.log(`[sns] ${topicArn.split(':').pop()} <- ${message}`);
    response.writeHead(200, { 'content-type': 'text/xml' });
    response.end(
      `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
        '<ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></PublishResponse>',
    );
  }
}
