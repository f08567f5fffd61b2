import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings';
import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { Fn, TerraformLocal } from 'cdktf';
import { Construct } from 'constructs';
import { ApiGatewayAccount } from './api-gateway-account';
import { UnreservedFunction } from './unreserved-function';
import { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_RULES } from './internal/log-retention';
import { NAME_KINDS, deriveNameFor } from './internal/name-rules';
import { Rule, Violation, checkRules, throwIfViolations } from './internal/validation';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ApiRoute {
  readonly method: HttpMethod;
  /** Resource path, e.g. `/jobs/{id}`. */
  readonly path: string;
  /** The function behind the route (Lambda proxy integration). */
  readonly handler: UnreservedFunction;
  /**
   * Query string parameters API Gateway must see before it invokes the function.
   * @default none
   */
  readonly requiredQueryParameters?: readonly string[];
}

export interface LambdaRestApiProps {
  readonly routes: readonly ApiRoute[];
  /**
   * Stage name, part of the URL.
   * @default 'v1'
   */
  readonly stageName?: string;
  /**
   * Steady-state requests per second across the stage.
   * @default 50
   */
  readonly throttleRateLimit?: number;
  /**
   * Burst of requests allowed above the rate.
   * @default 100
   */
  readonly throttleBurstLimit?: number;
  /**
   * Retention of the access log group, in days.
   * @default 30
   */
  readonly accessLogRetentionDays?: number;
  /**
   * Set the account's API Gateway CloudWatch role through the stack's one
   * {@link ApiGatewayAccount} (shared by every API of the stack), without which
   * a stage with access logs fails to deploy. Turn off where the platform, or
   * another stack of the app, already manages that setting.
   * @default true
   */
  readonly manageAccountLoggingRole?: boolean;
}

const ACCESS_LOG_FORMAT = {
  requestId: '$context.requestId',
  ip: '$context.identity.sourceIp',
  requestTime: '$context.requestTime',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  responseLength: '$context.responseLength',
  integrationLatency: '$context.integrationLatency',
  error: '$context.error.message',
};

const PROPS_RULES: readonly Rule<LambdaRestApiProps>[] = [
  {
    id: 'api/routes',
    field: 'routes',
    pick: (p) => p.routes.map((r) => `${r.method} ${r.path}`),
    requirement: 'hold at least one route, each path starting with "/", and no route twice',
    check: (p) => {
      const keys = p.routes.map((r) => `${r.method} ${r.path}`);
      return keys.length > 0 && p.routes.every((r) => /^\/[A-Za-z0-9_{}/.-]*$/.test(r.path)) && new Set(keys).size === keys.length;
    },
    fix: 'list each method and path once',
  },
  {
    id: 'api/throttling',
    field: 'throttle limits',
    pick: (p) => ({ rate: p.throttleRateLimit, burst: p.throttleBurstLimit }),
    requirement: 'be positive, with the burst at least the rate',
    check: (p) => {
      const rate = p.throttleRateLimit ?? 50;
      const burst = p.throttleBurstLimit ?? 100;
      return rate > 0 && burst > 0 && Number.isInteger(burst) && burst >= rate;
    },
    fix: 'raise the burst limit or lower the rate',
  },
  {
    id: 'api/stage-name',
    field: 'stageName',
    pick: (p) => p.stageName,
    requirement: "be 1 to 128 letters, digits, '-' or '_'",
    check: (p) => p.stageName === undefined || /^[A-Za-z0-9_-]{1,128}$/.test(p.stageName),
    fix: 'rename the stage',
  },
];

export function validateLambdaRestApiProps(props: LambdaRestApiProps): Violation[] {
  return [
    ...checkRules('props', props, PROPS_RULES),
    ...checkRules('accessLogRetentionDays', props.accessLogRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_RULES),
  ];
}

/** The path of a route in an execute-api ARN: path parameters become `*`. */
export function routeArnPath(route: Pick<ApiRoute, 'method' | 'path'>): string {
  return `${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`;
}

/**
 * A REST API whose routes proxy to {@link UnreservedFunction}s: request
 * parameter validation, stage throttling, JSON access logs with retention,
 * X-Ray, and Lambda permissions scoped to this API and each route. The
 * OpenAPI document is kept as a local, so it stays plain JSON in cdk.tf.json.
 *
 * @example
 * new LambdaRestApi(stack, 'Api', { routes: [{ method: 'GET', path: '/jobs/{id}', handler: api }] });
 */
export class LambdaRestApi extends Construct {
  public readonly restApiId: string;
  /** The API's name (the `ApiName` dimension of its CloudWatch metrics). */
  public readonly restApiName: string;
  public readonly executionArn: string;
  /** The stage URL, without a trailing slash. */
  public readonly url: string;
  public readonly stage: ApiGatewayStage;

  constructor(scope: Construct, id: string, props: LambdaRestApiProps) {
    super(scope, id);
    throwIfViolations('LambdaRestApi', this, validateLambdaRestApiProps(props));
    const name = deriveNameFor(this, 'LambdaRestApi', NAME_KINDS.restApi);

    const openApi = new TerraformLocal(this, 'OpenApi', openApiDocument(name, props.routes));
    const api = new ApiGatewayRestApi(this, 'RestApi', {
      name,
      body: Fn.jsonencode(openApi.expression),
      endpointConfiguration: { types: ['REGIONAL'] },
    });
    this.restApiId = api.id;
    this.restApiName = api.name;
    this.executionArn = api.executionArn;

    const deployment = new ApiGatewayDeployment(this, 'Deployment', {
      restApiId: api.id,
      triggers: { redeployment: Fn.sha1(Fn.jsonencode(openApi.expression)) },
      lifecycle: { createBeforeDestroy: true },
    });

    const accessLogs = new CloudwatchLogGroup(this, 'AccessLogs', {
      name: `/aws/apigateway/${name}/access`,
      retentionInDays: props.accessLogRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    });
    const accountSetting = (props.manageAccountLoggingRole ?? true) ? ApiGatewayAccount.of(this).setting : undefined;

    const stageName = props.stageName ?? 'v1';
    this.stage = new ApiGatewayStage(this, 'Stage', {
      restApiId: api.id,
      deploymentId: deployment.id,
      stageName,
      xrayTracingEnabled: true,
      accessLogSettings: { destinationArn: accessLogs.arn, format: JSON.stringify(ACCESS_LOG_FORMAT) },
      dependsOn: accountSetting ? [accountSetting] : undefined,
    });
    new ApiGatewayMethodSettings(this, 'Throttling', {
      restApiId: api.id,
      stageName: this.stage.stageName,
      methodPath: '*/*',
      settings: {
        throttlingRateLimit: props.throttleRateLimit ?? 50,
        throttlingBurstLimit: props.throttleBurstLimit ?? 100,
        metricsEnabled: true,
      },
    });
    this.url = this.stage.invokeUrl;

    props.routes.forEach((route) => {
      route.handler.allowInvokeFrom(
        `AllowApi${id}${routeArnPath(route).replace(/\*/g, 'Param').replace(/[^A-Za-z0-9]/g, '')}`,
        'apigateway.amazonaws.com',
        `${api.executionArn}/*/${routeArnPath(route)}`,
      );
    });
  }
}

function openApiDocument(title: string, routes: readonly ApiRoute[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const pathParameters = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const queryParameters = (route.requiredQueryParameters ?? []).map((name) => ({ name, in: 'query', required: true, schema: { type: 'string' } }));
    paths[route.path] = {
      ...paths[route.path],
      [route.method.toLowerCase()]: {
        parameters: [...pathParameters, ...queryParameters],
        'x-amazon-apigateway-request-validator': 'parameters',
        'x-amazon-apigateway-integration': {
          type: 'aws_proxy',
          httpMethod: 'POST',
          uri: route.handler.invokeArn,
          payloadFormatVersion: '1.0',
        },
      },
    };
  }
  return {
    openapi: '3.0.1',
    info: { title, version: '1' },
    'x-amazon-apigateway-request-validators': {
      parameters: { validateRequestParameters: true, validateRequestBody: false },
    },
    paths,
  };
}
