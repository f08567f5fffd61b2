import { EventEmitter } from 'events';
import { IncomingMessage, Server, ServerResponse, createServer } from 'http';
import { AddressInfo } from 'net';
import { AWS_LIMITS } from '../lambdas/shared/limits';

/**
 * The DynamoDB endpoint of the local run: a guard in front of dynalite that
 * enforces what DynamoDB enforces and dynalite does not, before dynalite sees
 * the request (dynalite itself recurses over attribute values, so a value
 * nested 1,000 deep would overflow its stack and take the whole runner down).
 * A request that passes is handed to dynalite's request handler in this
 * process, which answers on the guard's own response: no second HTTP hop.
 * What it enforces:
 *  - attribute values nest at most 32 levels: ValidationException
 *    "Nesting Levels have exceeded supported limits", as DynamoDB answers;
 *  - a request body is at most 16 MB (DynamoDB's largest, BatchWriteItem).
 * dynalite enforces the 400 KB item size itself.
 */
export const MAX_REQUEST_BYTES = 16 * 1024 * 1024;
const ATTRIBUTE_VALUE_HOLDERS = ['Item', 'Key', 'ExpressionAttributeValues', 'ExclusiveStartKey', 'AttributeUpdates', 'Expected'];

/** The deepest nesting of `[` and `{` in a JSON text, without parsing it (no recursion, any depth). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i += 1;
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (char === 0x7d || char === 0x5d) depth -= 1;
  }
  return deepest;
}

/** Levels of M and L nesting in a DynamoDB attribute value (a scalar is level 0, `{ M: {} }` level 1). */
function attributeNesting(value: unknown, level: number, limit: number): number {
  if (level > limit || typeof value !== 'object' || value === null) return level;
  const typed = value as { M?: Record<string, unknown>; L?: unknown[] };
  const children = typed.M ? Object.values(typed.M) : Array.isArray(typed.L) ? typed.L : undefined;
  if (!children) return level;
  return Math.max(level + 1, ...children.map((child) => attributeNesting(child, level + 1, limit)));
}

/** Why DynamoDB would refuse this request body for its form, or undefined. */
export function dynamoRequestProblem(body: string): string | undefined {
  const limit = AWS_LIMITS.itemNestingLevels;
  // Each level of M or L is two levels of JSON; the request itself adds at most six.
  if (jsonDepth(body) > 2 * limit + 6) return 'Nesting Levels have exceeded supported limits';
  let request: Record<string, unknown>;
  try {
    request = JSON.parse(body);
  } catch {
    return undefined; // dynalite answers malformed JSON as DynamoDB does
  }
  const holders = ATTRIBUTE_VALUE_HOLDERS.map((name) => request?.[name]).filter((h): h is Record<string, unknown> => typeof h === 'object' && h !== null);
  for (const holder of holders) {
    for (const value of Object.values(holder)) {
      const unwrapped = (value as { Value?: unknown })?.Value ?? value;
      if (attributeNesting(unwrapped, 0, limit + 1) > limit) return 'Nesting Levels have exceeded supported limits';
    }
  }
  return undefined;
}

export class DynamoGuard {
  private server: Server | undefined;

  /** @param dynalite the server `dynalite()` returns: its request handler answers what passes the guard. */
  constructor(private readonly dynalite: Server) {}

  public async start(port = 0): Promise<string> {
    this.server = createServer({ keepAlive: true }, (request, response) => {
      this.handle(request, response).catch((error: Error) => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: error.message }));
      });
    });
    await listen(this.server, port);
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  public async stop(): Promise<void> {
    await closeNow(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BYTES) {
        response.writeHead(413, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: 'Request size exceeded 16 MB' }));
        request.resume();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const body = Buffer.concat(chunks);
    const problem = dynamoRequestProblem(body.toString('utf8'));
    if (problem) {
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'com.amazon.coral.validate#ValidationException', message: problem }));
      return;
    }
    // dynalite's handler reads the request as a stream of events ('data', 'end') plus its method,
    // url and headers; it answers through `response` and ends it.
    const forwarded = Object.assign(new EventEmitter(), { method: request.method, url: request.url, headers: request.headers });
    const answered = new Promise<void>((resolve, reject) => {
      response.once('finish', resolve);
      response.once('close', resolve);
      response.once('error', reject);
    });
    answered.catch(() => undefined); // awaited below unless dynalite throws first; then that error is the one reported
    if (!this.dynalite.emit('request', forwarded, response)) throw new Error('dynalite has no request handler');
    forwarded.emit('data', body);
    forwarded.emit('end');
    await answered;
  }
}

/** Listens on loopback; a port in use is a PortInUseError naming the port. */
export class PortInUseError extends Error {
  constructor(public readonly port: number) {
    super(`port ${port} is already in use`);
    this.name = 'PortInUseError';
  }
}

/** Stops a server at once: idle, half-open and busy connections are closed now, not when their clients leave. */
export async function closeNow(server: Server | undefined): Promise<void> {
  const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server?.closeAllConnections();
  await closed;
}

export function listen(server: Server | { listen: Server['listen']; once: Server['once']; off: Server['off'] }, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}
