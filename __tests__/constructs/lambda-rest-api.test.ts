import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { AnnotationMetadataEntryType, TerraformStack } from 'cdktf';
import { API_KEY_SCHEME, CognitoUserPoolAuthorizer, LambdaTokenAuthorizer, SIGV4_SCHEME } from '../../constructs/api-authorizers';
import { LambdaRestApi, LambdaRestApiProps, bodyModelName, routeArnPath } from '../../constructs/lambda-rest-api';
import { LeastPrivilegeRole } from '../../constructs/least-privilege-role';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { ECHO_ENTRY, errorOf, guardErrorOf, newStack, onlyResource, synth } from '../helpers/stacks';

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

/** The OpenAPI document of the API `Api` in a synthesized stack. */
function openApiOf(json: { locals?: Record<string, any> }): any {
  const found = Object.entries(json.locals ?? {}).find(([key]) => key.startsWith('Api_OpenApi'));
  if (!found) throw new Error('no OpenAPI local');
  return found[1];
}

function operations(openApi: any): [string, any][] {
  return Object.entries<Record<string, any>>(openApi.paths).flatMap(([path, methods]) =>
    Object.entries<any>(methods).map(([method, operation]): [string, any] => [`${method.toUpperCase()} ${path}`, operation]),
  );
}

function warningsOf(stack: TerraformStack): string[] {
  return stack.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === (AnnotationMetadataEntryType.WARN as string))
    .map((m) => String(m.data));
}

function statementsOf(role: LeastPrivilegeRole) {
  return role.grantedStatements.map((s) => ({ ...s, resources: s.resources.map((r) => r.replace(/^\$\{[^}]+\}/, '<execution-arn>')) }));
}

describe('LambdaRestApi authorization', () => {
  it('asks for SigV4 on every method by default', () => {
    const { stack, api } = setup();
    api();
    const openApi = openApiOf(synth(stack).json);
    expect(openApi.components.securitySchemes[SIGV4_SCHEME]).toEqual({ type: 'apiKey', name: 'Authorization', in: 'header', 'x-amazon-apigateway-authtype': 'awsSigv4' });
    for (const [route, operation] of operations(openApi)) {
      expect({ route, security: operation.security }).toEqual({ route, security: [{ [SIGV4_SCHEME]: [] }] });
    }
    expect(warningsOf(stack)).toEqual([]);
  });

  it("leaves a route open only when 'NONE' is asked for by name, and warns naming the open routes", () => {
    const { stack, handler, api } = setup();
    api({
      routes: [
        { method: 'GET', path: '/health', handler, authorization: 'NONE' },
        { method: 'GET', path: '/items/{id}', handler },
      ],
    });
    const openApi = openApiOf(synth(stack).json);
    expect(openApi.paths['/health'].get.security).toEqual([]);
    expect(openApi.paths['/items/{id}'].get.security).toEqual([{ [SIGV4_SCHEME]: [] }]);
    const warnings = warningsOf(stack);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("LambdaRestApi at 'TapStack/Api'");
    expect(warnings[0]).toContain("authorization 'NONE' leaves GET /health open");
    expect(warnings[0]).not.toContain('/items/{id}');
  });

  it("names every open route when the whole API is 'NONE'", () => {
    const { stack, api } = setup();
    api({ authorization: 'NONE' });
    expect(warningsOf(stack)[0]).toContain('leaves GET /items, GET /items/{id} open');
  });

  it('accepts a Cognito user pool authorizer given the pool ARN, with scopes', () => {
    const { stack, api } = setup();
    const userPoolArn = 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_AbCdEf123';
    api({ authorization: new CognitoUserPoolAuthorizer({ userPoolArns: [userPoolArn], scopes: ['jobs/read'] }) });
    const openApi = openApiOf(synth(stack).json);
    expect(openApi.components.securitySchemes.cognito).toMatchObject({
      'x-amazon-apigateway-authtype': 'cognito_user_pools',
      'x-amazon-apigateway-authorizer': { type: 'cognito_user_pools', providerARNs: [userPoolArn] },
    });
    expect(openApi.paths['/items'].get.security).toEqual([{ cognito: ['jobs/read'] }]);
    expect(openApi.components.securitySchemes[SIGV4_SCHEME]).toBeUndefined();
  });

  it('refuses a user pool id where an ARN is needed', () => {
    const { api } = setup();
    const message = errorOf(() => api({ authorization: new CognitoUserPoolAuthorizer({ userPoolArns: ['us-east-1_AbCdEf123'] }) }));
    expect(message).toContain('[authorizer/user-pool-arns]');
    expect(message).toContain('authorization cognito: userPoolArns');
  });

  it('accepts a Lambda token authorizer whose function only this API may invoke', () => {
    const { stack, api } = setup();
    const authorizerFn = new UnreservedFunction(stack, 'Authorizer', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'AuthCode', {}) });
    api({ authorization: new LambdaTokenAuthorizer({ handler: authorizerFn, resultTtlSeconds: 60 }) });
    const { json } = synth(stack);
    const scheme = openApiOf(json).components.securitySchemes.lambdaToken;
    expect(scheme['x-amazon-apigateway-authtype']).toBe('custom');
    expect(scheme['x-amazon-apigateway-authorizer']).toMatchObject({
      type: 'token',
      authorizerUri: expect.stringMatching(/^\$\{aws_lambda_function\.Authorizer_Function_\w+\.invoke_arn\}$/),
      identitySource: 'method.request.header.Authorization',
      authorizerResultTtlInSeconds: 60,
    });
    const permissions = Object.values(json.resource.aws_lambda_permission).filter((p) => p.function_name.includes('Authorizer_Function'));
    expect(permissions).toEqual([
      expect.objectContaining({
        principal: 'apigateway.amazonaws.com',
        source_arn: expect.stringMatching(/^\$\{aws_api_gateway_rest_api\.Api_RestApi_\w+\.execution_arn\}\/authorizers\/\*$/),
      }),
    ]);
  });

  it('refuses two different authorizers under one name', () => {
    const { stack, handler, api } = setup();
    const fn = new UnreservedFunction(stack, 'Authorizer', { entry: ECHO_ENTRY, codeBucket: new SafeBucket(stack, 'AuthCode', {}) });
    const message = errorOf(() =>
      api({
        routes: [
          { method: 'GET', path: '/a', handler, authorization: new LambdaTokenAuthorizer({ handler: fn, name: 'same' }) },
          { method: 'GET', path: '/b', handler, authorization: new LambdaTokenAuthorizer({ handler: fn, name: 'same' }) },
        ],
      }),
    );
    expect(message).toContain('[api/authorizer-names]');
  });
});

describe('LambdaRestApi.grantInvoke', () => {
  it('grants execute-api:Invoke on this stage, method and path, a path parameter as *', () => {
    const { stack, api } = setup();
    const restApi = api();
    const role = new LeastPrivilegeRole(stack, 'Caller', { assumedBy: { accountId: '123456789012' } });
    restApi.grantInvoke(role, { method: 'GET', path: '/items/{id}' });
    expect(statementsOf(role)).toEqual([{ sid: 'InvokeGETitemsParamApi', actions: ['execute-api:Invoke'], resources: ['<execution-arn>/v1/GET/items/*'] }]);
  });

  it('grants every AWS_IAM route, each by ARN, when no route is named', () => {
    const { stack, handler, api } = setup();
    const restApi = api({
      stageName: 'prod',
      routes: [
        { method: 'GET', path: '/items', handler },
        { method: 'POST', path: '/items', handler },
        { method: 'GET', path: '/health', handler, authorization: 'NONE' },
      ],
    });
    const role = new LeastPrivilegeRole(stack, 'Caller', { assumedBy: { accountId: '123456789012' } });
    restApi.grantInvoke(role);
    expect(statementsOf(role)).toEqual([{ sid: 'InvokeAllApi', actions: ['execute-api:Invoke'], resources: ['<execution-arn>/prod/GET/items', '<execution-arn>/prod/POST/items'] }]);
  });

  it('names the execution ARN of this API, never a wildcard API id', () => {
    const { stack, api } = setup();
    const restApi = api();
    const role = new LeastPrivilegeRole(stack, 'Caller', { assumedBy: { accountId: '123456789012' } });
    restApi.grantInvoke(role);
    const { json } = synth(stack);
    const policy = Object.entries(json.data.aws_iam_policy_document).find(([key]) => key.startsWith('Caller_PolicyDocument'))![1];
    for (const resource of policy.statement[0].resources) {
      expect(resource).toMatch(/^\$\{aws_api_gateway_rest_api\.Api_RestApi_\w+\.execution_arn\}\/v1\/GET\/items(\/\*)?$/);
    }
  });

  it('refuses a route the API does not have, or one IAM does not decide', () => {
    const { stack, handler, api } = setup();
    const restApi = api({ routes: [{ method: 'GET', path: '/items', handler }, { method: 'GET', path: '/health', handler, authorization: 'NONE' }] });
    const role = new LeastPrivilegeRole(stack, 'Caller', { assumedBy: { accountId: '123456789012' } });
    const unknown = guardErrorOf(() => restApi.grantInvoke(role, { method: 'DELETE', path: '/items' }));
    expect(unknown.violations).toEqual([expect.objectContaining({ ruleId: 'api/grant-route', value: 'DELETE /items', requirement: 'be a route of this API', fix: 'name one of its AWS_IAM routes (GET /items)' })]);
    expect(errorOf(() => restApi.grantInvoke(role, { method: 'GET', path: '/health' }))).toContain('this one is authorized by NONE');
  });
});

describe('LambdaRestApi request body model', () => {
  const schema = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 10 } }, additionalProperties: false };

  it('puts the schema in the OpenAPI body as a model and turns the body validator on for that route', () => {
    const { stack, handler, api } = setup();
    api({ routes: [{ method: 'POST', path: '/items', handler, requestBodySchema: schema }, { method: 'GET', path: '/items/{id}', handler }] });
    const openApi = openApiOf(synth(stack).json);
    expect(openApi.components.schemas).toEqual({ PostItemsBody: schema });
    const post = openApi.paths['/items'].post;
    expect(post.requestBody).toEqual({ required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/PostItemsBody' } } } });
    expect(openApi['x-amazon-apigateway-request-validators'][post['x-amazon-apigateway-request-validator']]).toEqual({ validateRequestParameters: true, validateRequestBody: true });
    const get = openApi.paths['/items/{id}'].get;
    expect(openApi['x-amazon-apigateway-request-validators'][get['x-amazon-apigateway-request-validator']].validateRequestBody).toBe(false);
  });

  it('keeps a draft-04 $schema out of the model and refuses another draft or a route without a body', () => {
    const { stack, handler, api } = setup();
    api({ routes: [{ method: 'POST', path: '/items', handler, requestBodySchema: { $schema: 'http://json-schema.org/draft-04/schema#', ...schema } }] });
    expect(openApiOf(synth(stack).json).components.schemas.PostItemsBody).toEqual(schema);

    const other = setup();
    const draft7 = errorOf(() => other.api({ routes: [{ method: 'POST', path: '/items', handler: other.handler, requestBodySchema: { $schema: 'http://json-schema.org/draft-07/schema#' } }] }));
    expect(draft7).toContain('[api/request-body-schema]');
    const third = setup();
    expect(errorOf(() => third.api({ routes: [{ method: 'GET', path: '/items', handler: third.handler, requestBodySchema: schema }] }))).toContain('"GET /items"');
  });

  it('names models after the route, and refuses two routes whose model names collide', () => {
    expect(bodyModelName({ method: 'PUT', path: '/jobs/{id}/tags' })).toBe('PutJobsIdTagsBody');
    const { handler, api } = setup();
    const message = errorOf(() =>
      api({ routes: [{ method: 'POST', path: '/a_b', handler, requestBodySchema: schema }, { method: 'POST', path: '/a/b', handler, requestBodySchema: schema }] }),
    );
    expect(message).toContain('[api/body-model-names]');
  });
});

describe('LambdaRestApi usage plan (quotas, not authentication)', () => {
  it('requires an API key besides the authorization, and meters it with a plan on this stage', () => {
    const { stack, api } = setup();
    api({ usagePlan: { quota: { limit: 10000, period: 'DAY' }, throttle: { rateLimit: 5, burstLimit: 10 }, apiKeyNames: ['team-a'] } });
    const { json } = synth(stack);
    const openApi = openApiOf(json);
    expect(openApi['x-amazon-apigateway-api-key-source']).toBe('HEADER');
    for (const [, operation] of operations(openApi)) expect(operation.security).toEqual([{ [API_KEY_SCHEME]: [], [SIGV4_SCHEME]: [] }]);
    const plan = onlyResource(json, 'aws_api_gateway_usage_plan');
    expect(plan.quota_settings).toEqual({ limit: 10000, period: 'DAY' });
    expect(plan.api_stages).toEqual([{ api_id: expect.stringContaining('Api_RestApi'), stage: expect.stringContaining('Api_Stage') }]);
    expect(onlyResource(json, 'aws_api_gateway_api_key').name).toBe('TapStack-Api-team-a');
    expect(onlyResource(json, 'aws_api_gateway_usage_plan_key').key_type).toBe('API_KEY');
  });

  it('refuses a zero quota', () => {
    const { api } = setup();
    expect(errorOf(() => api({ usagePlan: { quota: { limit: 0, period: 'DAY' } } }))).toContain('[api/usage-plan]');
  });
});
