import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { randomUUID } from 'crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'http';
import { AddressInfo } from 'net';
import { AWS_LIMITS } from '../lambdas/shared/limits';
import { closeNow, listen } from './dynamo-guard';
import Ajv from 'ajv-draft-04';
import type { ValidateFunction } from 'ajv';
import { HostedFunction } from './function-host';
import { LocalCredentials, verifySignature } from './sigv4';
import { LOCAL_ACCOUNT_ID, LOCAL_API_ID, LOCAL_REGION, LocalRoute } from './synthesized-stack';

/**
 * Serves the synthesized REST API's routes on loopback the way API Gateway's
 * Lambda proxy integration does: AWS_IAM routes check the SigV4 signature
 * (made with the run's local credentials), then the request validator's
 * required query parameters and body model are enforced, then the route's
 * function gets a proxy event (payload format 1.0) and its response is sent back.
 */
interface CompiledRoute extends LocalRoute {
  readonly pattern: RegExp;
  readonly parameterNames: readonly string[];
  readonly target: HostedFunction;
  readonly validateBody?: ValidateFunction;
}

export interface LocalApiAuthOptions {
  /** Credentials whose signatures AWS_IAM routes accept. */
  readonly credentials: readonly LocalCredentials[];
  /** @default us-east-1 */
  readonly region?: string;
}

/** API Gateway models are JSON Schema draft-04; formats are not checked. */
const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });

function compile(route: LocalRoute, target: HostedFunction): CompiledRoute {
  const parameterNames: string[] = [];
  const source = route.resource
    .split('/')
    .map((segment) => {
      const parameter = /^\{(.+)\}$/.exec(segment)?.[1];
      if (parameter === undefined) return segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      parameterNames.push(parameter);
      return '([^/]+)';
    })
    .join('/');
  if (route.authorization !== 'AWS_IAM' && route.authorization !== 'NONE') {
    throw new Error(
      `route ${route.method} ${route.resource} uses a ${route.authorization} authorizer, which the local run cannot evaluate; ` +
        'run locally with AWS_IAM (the default) or NONE on that route',
    );
  }
  const validateBody = route.bodySchema ? ajv.compile(route.bodySchema) : undefined;
  return { ...route, pattern: new RegExp(`^${source}/?$`), parameterNames, target, validateBody };
}

/** The body, or undefined when it passes API Gateway's 10 MB payload limit. */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > AWS_LIMITS.apiPayloadBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** A path segment decoded as API Gateway decodes it, or undefined when it is not valid percent-encoding. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** What API Gateway's body validator decides: the body parses as JSON and matches the model. */
function bodyMatches(validate: ValidateFunction, body: string): boolean {
  try {
    return validate(JSON.parse(body)) === true;
  } catch {
    return false;
  }
}

export class LocalApiServer {
  private readonly routes: CompiledRoute[];
  private server: Server | undefined;

  constructor(
    routes: readonly LocalRoute[],
    functionsByName: ReadonlyMap<string, HostedFunction>,
    private readonly stageName: string,
    private readonly log: (line: string) => void,
    private readonly auth: LocalApiAuthOptions = { credentials: [] },
  ) {
    this.routes = routes.map((route) => {
      const target = functionsByName.get(route.functionName);
      if (!target) throw new Error(`route ${route.method} ${route.resource} targets unknown function ${route.functionName}`);
      return compile(route, target);
    });
  }

  public async start(port = 0): Promise<string> {
    this.server = createServer({ keepAlive: true }, (request, response) => {
      const started = Date.now();
      this.handle(request, response)
        .catch((error: Error) => this.send(response, { statusCode: 502, body: JSON.stringify({ message: 'Internal server error' }) }, error.message))
        .finally(() => this.log(`[api] ${request.method} ${request.url} -> ${response.statusCode} (${Date.now() - started} ms)`));
    });
    await listen(this.server, port);
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Stops at once: idle, half-open and busy connections are closed now, not when their clients leave. */
  public async stop(): Promise<void> {
    await closeNow(this.server);
  }

  private send(response: ServerResponse, result: Partial<APIGatewayProxyResult>, _detail?: string): void {
    const body = result.isBase64Encoded ? Buffer.from(String(result.body ?? ''), 'base64') : String(result.body ?? '');
    response.writeHead(result.statusCode ?? 200, { 'content-type': 'application/json', ...(result.headers as Record<string, string>) });
    response.end(body);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // What API Gateway answers for a request-target it cannot read: 400, before any route or function.
    const badRequest = () => this.send(response, { statusCode: 400, body: JSON.stringify({ message: 'Bad Request' }) });
    let url: URL;
    try {
      if (!(request.url ?? '').startsWith('/')) return badRequest();
      url = new URL(request.url ?? '/', 'http://local');
    } catch {
      return badRequest();
    }
    const path = url.pathname;
    if (path.split('/').some((segment) => decodeSegment(segment) === undefined)) return badRequest();
    for (const route of this.routes) {
      const match = route.method === request.method ? route.pattern.exec(path) : null;
      if (!match) continue;
      const raw = await readBody(request);
      if (raw === undefined) {
        response.setHeader('connection', 'close');
        return this.send(response, { statusCode: 413, body: JSON.stringify({ message: 'Request Too Long' }) });
      }
      let accessKey: string | undefined;
      if (route.authorization === 'AWS_IAM') {
        // API Gateway authorizes before it validates anything else.
        const verdict = await verifySignature({ method: request.method ?? 'GET', url: request.url ?? '/', headers: request.headers, headersDistinct: request.headersDistinct, body: raw }, this.auth.credentials, this.auth.region ?? LOCAL_REGION);
        if (!verdict.ok) return this.send(response, { statusCode: 403, body: JSON.stringify({ message: verdict.message }) });
        accessKey = verdict.accessKeyId;
      }
      const query = Object.fromEntries(url.searchParams.entries());
      const missing = route.requiredQuery.filter((name) => !(name in query));
      if (missing.length > 0) {
        // API Gateway's request validator answers before the function runs.
        return this.send(response, { statusCode: 400, body: JSON.stringify({ message: `Missing required request parameters: [${missing.join(', ')}]` }) });
      }
      const body = raw.toString('utf8');
      if (route.validateBody && !bodyMatches(route.validateBody, body)) {
        return this.send(response, { statusCode: 400, body: JSON.stringify({ message: 'Invalid request body' }) });
      }
      const pathParameters = Object.fromEntries(route.parameterNames.map((name, i) => [name, decodeSegment(match[i + 1]) ?? '']));
      const event = this.proxyEvent(request, route, path, body, query, pathParameters, accessKey);
      const result = (await route.target.invoke(event)) as APIGatewayProxyResult;
      return this.send(response, result);
    }
    // What API Gateway answers for a path or method it has no route for.
    this.send(response, { statusCode: 403, body: JSON.stringify({ message: 'Missing Authentication Token' }) });
  }

  private proxyEvent(
    request: IncomingMessage,
    route: CompiledRoute,
    path: string,
    body: string,
    query: Record<string, string>,
    pathParameters: Record<string, string>,
    accessKey: string | undefined,
  ): APIGatewayProxyEvent {
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]));
    return {
      resource: route.resource,
      path,
      httpMethod: route.method,
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
      queryStringParameters: Object.keys(query).length > 0 ? query : null,
      multiValueQueryStringParameters: Object.keys(query).length > 0 ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
      pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
      stageVariables: null,
      body: body.length > 0 ? body : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: LOCAL_ACCOUNT_ID,
        apiId: LOCAL_API_ID,
        resourceId: 'local',
        resourcePath: route.resource,
        httpMethod: route.method,
        path: `/${this.stageName}${path}`,
        stage: this.stageName,
        protocol: 'HTTP/1.1',
        requestId: randomUUID(),
        requestTimeEpoch: Date.now(),
        identity: {
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          ...(accessKey ? { accessKey, accountId: LOCAL_ACCOUNT_ID, caller: accessKey, user: accessKey, userArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/local` } : {}),
        },
        authorizer: null,
      } as unknown as APIGatewayProxyEvent['requestContext'],
    };
  }
}
