import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { LambdaRestApi, LambdaRestApiProps, routeArnPath } from '../../constructs/lambda-rest-api';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { ECHO_ENTRY, errorOf, newStack, onlyResource, synth } from '../helpers/stacks';

function setup() {
  const { stack } = newStack();
  const handler = new UnreservedFunction(stack, 'Handler', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'Code', {}) });
  const api = (props: Partial<LambdaRestApiProps> = {}) =>
    new LambdaRestApi(stack, 'Api', {
      routes: [
        { method: 'GET', path: '/items', handler, requiredQueryParameters: ['kind'] },
        { method: 'GET', path: '/items/{id}', handler },
      ],
      ...props,
    });
  return { stack, handler, api };
}

describe('LambdaRestApi props guard', () => {
  it.each<[string, (handler: UnreservedFunction) => Partial<LambdaRestApiProps>, string]>([
    ['no routes', () => ({ routes: [] }), 'api/routes'],
    ['a path without a leading slash', (handler) => ({ routes: [{ method: 'GET', path: 'items', handler }] }), 'api/routes'],
    ['a burst below the rate', () => ({ throttleRateLimit: 200, throttleBurstLimit: 100 }), 'api/throttling'],
    ['a stage name with a space', () => ({ stageName: 'v 1' }), 'api/stage-name'],
    ['a retention CloudWatch refuses', () => ({ accessLogRetentionDays: 2 }), 'log-retention/allowed-value'],
  ])('rejects %s', (_case, props, ruleId) => {
    const { api, handler } = setup();
    const message = errorOf(() => api(props(handler)));
    expect(message).toContain("LambdaRestApi at 'TapStack/Api'");
    expect(message).toContain(`[${ruleId}]`);
  });

  it('rejects the same route twice', () => {
    const { handler, api } = setup();
    const route = { method: 'GET' as const, path: '/items', handler };
    expect(errorOf(() => api({ routes: [route, route] }))).toContain('[api/routes]');
  });
});

describe('LambdaRestApi defaults', () => {
  const { stack, api } = setup();
  api();
  const { text, json } = synth(stack);

  it('throttles the stage at 50 rps with a burst of 100, and traces it', () => {
    expect(onlyResource(json, 'aws_api_gateway_method_settings').settings).toMatchObject({
      throttling_rate_limit: 50,
      throttling_burst_limit: 100,
    });
    expect(text).toHaveResourceWithProperties(ApiGatewayStage, { stage_name: 'v1', xray_tracing_enabled: true });
  });

  it('writes JSON access logs to a log group kept 30 days', () => {
    const stage = onlyResource(json, 'aws_api_gateway_stage');
    expect(JSON.parse(stage.access_log_settings.format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    const group = Object.values(json.resource.aws_cloudwatch_log_group).find((g) => g.name === '/aws/apigateway/TapStack-Api/access');
    expect(group?.retention_in_days).toBe(30);
  });

  it('validates required query parameters at the gateway, from the OpenAPI body', () => {
    const openApi = Object.entries(json.locals ?? {}).find(([key]) => key.startsWith('Api_OpenApi'))?.[1];
    expect(openApi.paths['/items'].get.parameters).toEqual([{ name: 'kind', in: 'query', required: true, schema: { type: 'string' } }]);
    expect(openApi.paths['/items/{id}'].get.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(openApi.paths['/items'].get['x-amazon-apigateway-request-validator']).toBe('parameters');
  });

  it('lets the function be invoked only from this API, one permission per route', () => {
    const permissions = Object.values(json.resource.aws_lambda_permission);
    expect(permissions.map((p) => p.source_arn).sort()).toEqual([
      expect.stringMatching(/^\$\{aws_api_gateway_rest_api\.Api_RestApi_\w+\.execution_arn\}\/\*\/GET\/items$/),
      expect.stringMatching(/^\$\{aws_api_gateway_rest_api\.Api_RestApi_\w+\.execution_arn\}\/\*\/GET\/items\/\*$/),
    ]);
    expect(permissions.every((p) => p.principal === 'apigateway.amazonaws.com')).toBe(true);
  });

  it('sets the account logging role by default, and the stage waits for it', () => {
    expect(text).toHaveResource(ApiGatewayAccount);
    expect(onlyResource(json, 'aws_api_gateway_stage').depends_on).toEqual([expect.stringMatching(/^aws_api_gateway_account\./)]);
  });
});

describe('LambdaRestApi options', () => {
  it('leaves the account logging role to the platform when asked', () => {
    const { stack, api } = setup();
    api({ manageAccountLoggingRole: false });
    const { text, json } = synth(stack);
    expect(text).not.toHaveResource(ApiGatewayAccount);
    expect(onlyResource(json, 'aws_api_gateway_stage').depends_on).toBeUndefined();
  });

  it('turns path parameters into * in execute-api ARNs', () => {
    expect(routeArnPath({ method: 'DELETE', path: '/items/{id}/tags/{tag}' })).toBe('DELETE/items/*/tags/*');
  });
});
