import { IncomingMessage, Server, ServerResponse, createServer } from 'http';
import { AddressInfo } from 'net';

/**
 * A loopback endpoint for the two calls the Lambdas make outside DynamoDB:
 * Step Functions StartExecution (JSON 1.0 protocol) and SNS Publish (query
 * protocol). It keeps Step Functions' rule that an execution name is unique
 * per state machine: the same name and input return the existing execution,
 * another input is ExecutionAlreadyExists. Handlers reach it through the
 * SDK's endpoint settings, unchanged.
 */
export interface RecordedExecution {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly executionArn: string;
}

export interface RecordedMessage {
  readonly topicArn: string;
  readonly message: string;
  readonly subject?: string;
  readonly messageId: string;
}

export interface RecordingAws {
  readonly endpoint: string;
  readonly executions: RecordedExecution[];
  readonly messages: RecordedMessage[];
  startExecutionCalls: number;
  close(): Promise<void>;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => resolve(body));
    request.on('error', reject);
  });
}

export async function startRecordingAws(): Promise<RecordingAws> {
  const recorder: RecordingAws = {
    endpoint: '',
    executions: [],
    messages: [],
    startExecutionCalls: 0,
    close: async () => undefined,
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target === 'AWSStepFunctions.StartExecution') {
      recorder.startExecutionCalls += 1;
      const { stateMachineArn, name, input } = JSON.parse(body);
      const existing = recorder.executions.find((e) => e.stateMachineArn === stateMachineArn && e.name === name);
      if (existing && existing.input !== input) {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'ExecutionAlreadyExists', message: `Execution Already Exists: '${existing.executionArn}'` }));
        return;
      }
      const execution = existing ?? {
        stateMachineArn,
        name,
        input,
        executionArn: `${String(stateMachineArn).replace(':stateMachine:', ':execution:')}:${name}`,
      };
      if (!existing) recorder.executions.push(execution);
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ executionArn: execution.executionArn, startDate: Date.now() / 1000 }));
      return;
    }
    const form = new URLSearchParams(body);
    if (form.get('Action') === 'Publish') {
      const messageId = `msg-${recorder.messages.length + 1}`;
      recorder.messages.push({ topicArn: form.get('TopicArn') ?? '', message: form.get('Message') ?? '', subject: form.get('Subject') ?? undefined, messageId });
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${messageId}</MessageId></PublishResult>` +
          '<ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></PublishResponse>',
      );
      return;
    }
    response.writeHead(400, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ __type: 'UnknownOperation', message: `not handled here: ${target || form.get('Action')}` }));
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: Error) => {
      response.writeHead(500);
      response.end(error.message);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(recorder, {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
