import { RunOptions, StateMachine, StateMachineDefinition } from 'aws-local-stepfunctions';
import { randomUUID } from 'crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'http';
import { AddressInfo } from 'net';
import { HostedFunction, LambdaInvocationError } from './function-host';

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
  readonly log: (line: string) => void;
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
  /** Built once: every Task invokes the function its Resource names; retries wait as asked. */
  private readonly overrides: NonNullable<RunOptions['overrides']>;
  private server: Server | undefined;

  constructor(private readonly options: LocalAwsOptions) {
    this.machine = new StateMachine(options.stateMachine.definition as StateMachineDefinition, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    const taskStates = Object.entries<{ Type: string; Resource: string }>(options.stateMachine.definition.States).filter(([, state]) => state.Type === 'Task');
    this.overrides = {
      taskResourceLocalHandlers: Object.fromEntries(
        taskStates.map(([stateName, state]) => [stateName, (taskInput: unknown) => this.invokeTask(stateName, state.Resource, taskInput)]),
        // Function results arrive as JSON from the worker threads.
      ) as NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers'],
      retryIntervalOverrides:
        options.retryIntervalMs === undefined ? undefined : Object.fromEntries(taskStates.map(([stateName]) => [stateName, options.retryIntervalMs as number])),
    };
  }

  public async start(port = 0): Promise<string> {
    this.server = createServer({ keepAlive: true }, (request, response) => {
      this.handle(request, response).catch((error: Error) => sendJson(response, 500, { __type: 'InternalFailure', message: error.message }));
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
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
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
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
    const payload = JSON.parse(body.toString('utf8') || '{}');
    if (operation === 'StartExecution') {
      if (payload.stateMachineArn !== this.options.stateMachine.arn) {
        return sendJson(response, 400, { __type: 'StateMachineDoesNotExist', message: `State Machine Does Not Exist: '${payload.stateMachineArn}'` });
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
    const record = { executionArn, name, input, status: 'RUNNING', startDate: Date.now(), retries: {} } as ExecutionRecord & { done: Promise<void> };
    this.executions.set(executionArn, record);
    const short = name.slice(0, 8);
    this.options.log(`[sfn] ${short} started`);
    const run = this.machine.run(JSON.parse(input), {
      overrides: this.overrides,
      context: { Execution: { Id: executionArn, Name: name, StartTime: new Date(record.startDate).toISOString() } } as never,
    });
    const followEvents = (async () => {
      for await (const event of run.eventLogs) {
        const state = (event as { state?: { name: string } }).state?.name;
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
        record.error = error.cause?.name ?? error.name;
        record.cause = error.cause?.message ?? error.message;
      })
      .then(() => followEvents)
      .finally(() => {
        record.stopDate = Date.now();
        this.options.log(`[sfn] ${short} ${record.status}${record.error ? ` (${record.error})` : ''} in ${record.stopDate - record.startDate} ms`);
      });
    return record;
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
