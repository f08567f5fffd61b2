import { readFileSync } from 'fs';
import { join } from 'path';

/**
 * Reads a synthesized stack folder (cdk.tf.json and its assets) and resolves
 * the Terraform references the local run needs to the values it uses: the
 * same functions, table, definition, routes and policies that would be
 * deployed, with ARNs in a fixed local account and region.
 */
export const LOCAL_ACCOUNT_ID = '123456789012';
export const LOCAL_REGION = 'us-east-1';
/** The REST API's id in local ARNs (execute-api:Invoke resources, the proxy event). */
export const LOCAL_API_ID = 'localapi01';

type Block = Record<string, any>;

export interface TerraformJson {
  readonly resource: Record<string, Record<string, Block>>;
  readonly data?: Record<string, Record<string, Block>>;
  readonly locals?: Record<string, any>;
}

export interface LocalFunction {
  /** Terraform resource name (e.g. `Api_Function_1234ABCD`). */
  readonly resourceName: string;
  /** Construct id, the first segment of the resource name (e.g. `Api`). */
  readonly constructId: string;
  readonly functionName: string;
  readonly arn: string;
  readonly handler: string;
  /** Absolute path of the code zip that would be uploaded. */
  readonly archivePath: string;
  readonly environment: Readonly<Record<string, string>>;
}

export interface LocalRoute {
  readonly method: string;
  /** Resource template, e.g. `/jobs/{id}`. */
  readonly resource: string;
  readonly requiredQuery: readonly string[];
  readonly functionName: string;
  /** How API Gateway authorizes the route, from the operation's `security` and the API's security schemes. */
  readonly authorization: 'AWS_IAM' | 'NONE' | 'COGNITO_USER_POOLS' | 'CUSTOM';
  /** The JSON Schema of the body model, when the body validator is on for the route. */
  readonly bodySchema?: Record<string, unknown>;
}

const AUTH_TYPES: Record<string, LocalRoute['authorization']> = {
  awsSigv4: 'AWS_IAM',
  cognito_user_pools: 'COGNITO_USER_POOLS',
  custom: 'CUSTOM',
};

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string[];
  readonly Resource: string[];
}

export interface LocalRole {
  /** Construct id of the owner (`Api`, `JobWorkflow`, `Client`, ...). */
  readonly owner: string;
  readonly statements: PolicyStatement[];
}

const REFERENCE = /\$\{(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\}/g;
const DATA_REFERENCE = /\$\{data\.(aws_caller_identity|aws_region)\.[A-Za-z0-9_-]+\.(account_id|name|region)\}/g;

export class SynthesizedStack {
  public readonly json: TerraformJson;

  constructor(public readonly stackDir: string) {
    this.json = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8'));
  }

  private resourcesOf(type: string): [string, Block][] {
    return Object.entries(this.json.resource[type] ?? {});
  }

  private block(type: string, name: string): Block {
    const found = this.json.resource[type]?.[name];
    if (!found) throw new Error(`cdk.tf.json has no ${type}.${name}`);
    return found;
  }

  /** The value a reference takes in the local run. */
  private attribute(type: string, name: string, attribute: string): string {
    const block = this.block(type, name);
    const region = LOCAL_REGION;
    const account = LOCAL_ACCOUNT_ID;
    const key = `${type}.${attribute}`;
    switch (key) {
      case 'aws_lambda_function.arn':
        return `arn:aws:lambda:${region}:${account}:function:${block.function_name}`;
      case 'aws_lambda_function.function_name':
        return block.function_name;
      case 'aws_lambda_function.invoke_arn':
        return `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${region}:${account}:function:${block.function_name}/invocations`;
      case 'aws_dynamodb_table.name':
        return block.name;
      case 'aws_dynamodb_table.arn':
        return `arn:aws:dynamodb:${region}:${account}:table/${block.name}`;
      case 'aws_sfn_state_machine.arn':
        return `arn:aws:states:${region}:${account}:stateMachine:${block.name}`;
      case 'aws_sns_topic.arn':
        return `arn:aws:sns:${region}:${account}:${block.name}`;
      case 'aws_cloudwatch_log_group.arn':
        return `arn:aws:logs:${region}:${account}:log-group:${block.name}`;
      case 'aws_cloudwatch_log_group.name':
        return block.name;
      case 'aws_api_gateway_rest_api.execution_arn':
        return `arn:aws:execute-api:${region}:${account}:${LOCAL_API_ID}`;
      default:
        throw new Error(`The local run cannot resolve \${${type}.${name}.${attribute}}`);
    }
  }

  /** Replaces every resource reference in `value` (strings, arrays, objects) with its local value. */
  public resolve<T>(value: T): T {
    if (typeof value === 'string') {
      return value
        .replace(DATA_REFERENCE, (_m, type: string) => (type === 'aws_caller_identity' ? LOCAL_ACCOUNT_ID : LOCAL_REGION))
        .replace(REFERENCE, (_m, type: string, name: string, attribute: string) => this.attribute(type, name, attribute)) as T;
    }
    if (Array.isArray(value)) return value.map((item) => this.resolve(item)) as T;
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v)])) as T;
    }
    return value;
  }

  /** The one local whose value is the argument of `${jsonencode(local.X)}` in `expression`. */
  private encodedLocal(expression: string): any {
    const name = /^\$\{jsonencode\(local\.(\w+)\)\}$/.exec(expression)?.[1];
    const value = name ? this.json.locals?.[name] : undefined;
    if (value === undefined) throw new Error(`expected \${jsonencode(local.<name>)}, got ${expression}`);
    return value;
  }

  public functions(): LocalFunction[] {
    return this.resourcesOf('aws_lambda_function').map(([resourceName, fn]) => {
      const archive = /^\$\{filebase64sha256\("(.+)"\)\}$/.exec(fn.source_code_hash)?.[1];
      if (!archive) throw new Error(`function ${resourceName} has no asset archive in source_code_hash`);
      return {
        resourceName,
        constructId: resourceName.split('_')[0],
        functionName: fn.function_name,
        arn: this.attribute('aws_lambda_function', resourceName, 'arn'),
        handler: fn.handler,
        archivePath: join(this.stackDir, archive),
        environment: this.resolve(fn.environment?.variables ?? {}),
      };
    });
  }

  public table(): { name: string; block: Block } {
    const tables = this.resourcesOf('aws_dynamodb_table');
    if (tables.length !== 1) throw new Error(`expected one aws_dynamodb_table, found ${tables.length}`);
    return { name: tables[0][1].name, block: tables[0][1] };
  }

  public stateMachine(): { name: string; arn: string; definition: Record<string, any> } {
    const machines = this.resourcesOf('aws_sfn_state_machine');
    if (machines.length !== 1) throw new Error(`expected one aws_sfn_state_machine, found ${machines.length}`);
    const [resourceName, block] = machines[0];
    return {
      name: block.name,
      arn: this.attribute('aws_sfn_state_machine', resourceName, 'arn'),
      definition: this.resolve(this.encodedLocal(block.definition)),
    };
  }

  public topicArns(): string[] {
    return this.resourcesOf('aws_sns_topic').map(([name]) => this.attribute('aws_sns_topic', name, 'arn'));
  }

  /** Routes from the REST API's OpenAPI body, each with the function its integration invokes. */
  public routes(): LocalRoute[] {
    const apis = this.resourcesOf('aws_api_gateway_rest_api');
    if (apis.length !== 1) throw new Error(`expected one aws_api_gateway_rest_api, found ${apis.length}`);
    const openApi = this.resolve(this.encodedLocal(apis[0][1].body));
    const functionByInvokeArn = new Map(
      this.resourcesOf('aws_lambda_function').map(([name, fn]) => [this.attribute('aws_lambda_function', name, 'invoke_arn'), fn.function_name as string]),
    );
    const routes: LocalRoute[] = [];
    for (const [resource, methods] of Object.entries<Record<string, any>>(openApi.paths)) {
      for (const [method, operation] of Object.entries<any>(methods)) {
        const uri = operation['x-amazon-apigateway-integration']?.uri;
        const functionName = functionByInvokeArn.get(uri);
        if (!functionName) throw new Error(`route ${method.toUpperCase()} ${resource} integrates with an unknown target ${uri}`);
        const validator = openApi['x-amazon-apigateway-request-validators']?.[operation['x-amazon-apigateway-request-validator']];
        const requiredQuery = validator?.validateRequestParameters
          ? (operation.parameters ?? []).filter((p: any) => p.in === 'query' && p.required).map((p: any) => p.name)
          : [];
        const schemes = (operation.security ?? []).flatMap((requirement: Record<string, unknown>) => Object.keys(requirement));
        const authTypes = schemes.map((name: string) => AUTH_TYPES[openApi.components?.securitySchemes?.[name]?.['x-amazon-apigateway-authtype']]).filter(Boolean);
        const bodyRef: string | undefined = operation.requestBody?.content?.['application/json']?.schema?.$ref;
        const bodySchema = validator?.validateRequestBody && bodyRef ? openApi.components?.schemas?.[bodyRef.replace('#/components/schemas/', '')] : undefined;
        routes.push({ method: method.toUpperCase(), resource, requiredQuery, functionName, authorization: authTypes[0] ?? 'NONE', bodySchema });
      }
    }
    return routes;
  }

  /** Inline policy statements of every role, by the construct that owns the role. */
  public roles(): LocalRole[] {
    return Object.entries(this.json.data?.aws_iam_policy_document ?? {})
      .filter(([name]) => /_PolicyDocument_[0-9A-F]+$/.test(name))
      .map(([name, doc]) => ({
        owner: name.split('_')[0],
        statements: (doc.statement as Block[]).map((s) => ({
          Sid: s.sid,
          Effect: s.effect ?? 'Allow',
          Action: s.actions,
          Resource: this.resolve(s.resources),
        })),
      }));
  }
}
