import type { APIGatewayProxyEvent } from 'aws-lambda';

/** A REST API (payload 1.0) Lambda proxy event, as API Gateway sends it. */
export function proxyEvent(options: {
  method: string;
  resource: string;
  path: string;
  body?: string | null;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string> | null;
  query?: Record<string, string> | null;
}): APIGatewayProxyEvent {
  return {
    httpMethod: options.method,
    resource: options.resource,
    path: options.path,
    body: options.body ?? null,
    headers: options.headers ?? {},
    multiValueHeaders: {},
    pathParameters: options.pathParameters ?? null,
    queryStringParameters: options.query ?? null,
    multiValueQueryStringParameters: null,
    stageVariables: null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      httpMethod: options.method,
      path: `/v1${options.path}`,
      protocol: 'HTTP/1.1',
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: options.resource,
      stage: 'v1',
      identity: { sourceIp: '127.0.0.1' },
      authorizer: null,
    } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}
