import { Token } from 'cdktf';
import { IFunction } from './function-ref';
import { Rule, Violation, checkRules } from './internal/validation';

/**
 * Who may call a route of a {@link LambdaRestApi}. The default, `'AWS_IAM'`,
 * asks for a SigV4 signature and an IAM policy that allows
 * `execute-api:Invoke` (see `LambdaRestApi.grantInvoke`). `'NONE'` leaves the
 * route open to anyone who knows the URL; it must be asked for by name and
 * is reported as a warning at synth.
 */
export type ApiAuthorization = 'AWS_IAM' | 'NONE' | CognitoUserPoolAuthorizer | LambdaTokenAuthorizer;

/** The OpenAPI security scheme name the API uses for SigV4. */
export const SIGV4_SCHEME = 'sigv4';
/** The OpenAPI security scheme name the API uses for API keys (usage plans). */
export const API_KEY_SCHEME = 'api_key';

/** Names of authorizers: they become OpenAPI security scheme names and construct ids. */
const AUTHORIZER_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const USER_POOL_ARN = /^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool\/[a-z0-9-]+_[0-9A-Za-z]+$/;
const HEADER_NAME = /^[A-Za-z0-9-]{1,128}$/;

export interface CognitoUserPoolAuthorizerProps {
  /** ARNs of the user pools whose tokens (ID or access tokens, in the `Authorization` header) are accepted. */
  readonly userPoolArns: readonly string[];
  /**
   * OAuth scopes an access token must carry (any one of them). With scopes, API Gateway accepts access tokens only.
   * @default none: any valid ID token of the pools
   */
  readonly scopes?: readonly string[];
  /**
   * Authorizer name, unique in the API (letters and digits).
   * @default 'cognito'
   */
  readonly name?: string;
}

/** Both authorizer kinds name themselves in the OpenAPI body's security schemes. */
const AUTHORIZER_NAME_RULE: Rule<{ readonly name?: string }> = {
  id: 'authorizer/name',
  field: 'name',
  pick: (p) => p.name,
  requirement: 'be 1 to 64 letters and digits, starting with a letter',
  check: (p) => p.name === undefined || AUTHORIZER_NAME.test(p.name),
  fix: 'rename the authorizer',
};

const COGNITO_RULES: readonly Rule<CognitoUserPoolAuthorizerProps>[] = [
  {
    id: 'authorizer/user-pool-arns',
    field: 'userPoolArns',
    pick: (p) => p.userPoolArns,
    requirement: 'list at least one user pool ARN, each like arn:aws:cognito-idp:<region>:<account>:userpool/<region>_<id>',
    check: (p) => p.userPoolArns.length > 0 && p.userPoolArns.every((arn) => Token.isUnresolved(arn) || USER_POOL_ARN.test(arn)),
    fix: "pass the user pool's ARN (aws_cognito_user_pool.arn), not its id or name",
  },
  AUTHORIZER_NAME_RULE,
];

/** Accepts Cognito user pool tokens: API Gateway checks the signature, expiry and (optionally) scopes. */
export class CognitoUserPoolAuthorizer {
  public readonly kind = 'COGNITO_USER_POOLS' as const;
  public readonly name: string;

  constructor(public readonly props: CognitoUserPoolAuthorizerProps) {
    this.name = props.name ?? 'cognito';
  }

  /** @internal What is wrong with the props (LambdaRestApi reports it with the API's path). */
  public validate(): Violation[] {
    return checkRules('props', this.props, COGNITO_RULES);
  }

  /** @internal The OpenAPI security scheme (API Gateway extension `cognito_user_pools`). */
  public securityScheme(): Record<string, unknown> {
    return {
      type: 'apiKey',
      name: 'Authorization',
      in: 'header',
      'x-amazon-apigateway-authtype': 'cognito_user_pools',
      'x-amazon-apigateway-authorizer': { type: 'cognito_user_pools', providerARNs: [...this.props.userPoolArns] },
    };
  }

  public get scopes(): string[] {
    return [...(this.props.scopes ?? [])];
  }
}

export interface LambdaTokenAuthorizerProps {
  /**
   * The function that checks the token (a JWT, say) and returns an IAM policy
   * for `execute-api:Invoke`. API Gateway may invoke it only from this API.
   */
  readonly handler: IFunction;
  /**
   * The request header holding the token.
   * @default 'Authorization'
   */
  readonly identityHeader?: string;
  /**
   * A regular expression the token must match before the function is invoked (saves invocations on garbage).
   * @default none
   */
  readonly identityValidationExpression?: string;
  /**
   * How long API Gateway caches the function's policy per token, in seconds (0 to 3600).
   * @default 300
   */
  readonly resultTtlSeconds?: number;
  /**
   * Authorizer name, unique in the API (letters and digits).
   * @default 'lambdaToken'
   */
  readonly name?: string;
}

const LAMBDA_TOKEN_RULES: readonly Rule<LambdaTokenAuthorizerProps>[] = [
  {
    id: 'authorizer/ttl',
    field: 'resultTtlSeconds',
    pick: (p) => p.resultTtlSeconds,
    requirement: 'be a whole number of seconds from 0 to 3600',
    check: (p) => p.resultTtlSeconds === undefined || (Number.isInteger(p.resultTtlSeconds) && p.resultTtlSeconds >= 0 && p.resultTtlSeconds <= 3600),
    fix: 'pick a cache time in that range (0 turns caching off)',
  },
  {
    id: 'authorizer/identity-header',
    field: 'identityHeader',
    pick: (p) => p.identityHeader,
    requirement: 'be a header name (letters, digits and "-")',
    check: (p) => p.identityHeader === undefined || HEADER_NAME.test(p.identityHeader),
    fix: 'name the header the token travels in',
  },
  AUTHORIZER_NAME_RULE,
];

/**
 * A Lambda TOKEN authorizer (for JWTs or other bearer tokens): API Gateway
 * passes the header's value to a Lambda function ({@link IFunction}), which answers
 * with a policy. The function's resource policy lets only this API invoke it.
 */
export class LambdaTokenAuthorizer {
  public readonly kind = 'CUSTOM' as const;
  public readonly name: string;

  constructor(public readonly props: LambdaTokenAuthorizerProps) {
    this.name = props.name ?? 'lambdaToken';
  }

  /** @internal What is wrong with the props (LambdaRestApi reports it with the API's path). */
  public validate(): Violation[] {
    return checkRules('props', this.props, LAMBDA_TOKEN_RULES);
  }

  public get handler(): IFunction {
    return this.props.handler;
  }

  /** @internal The OpenAPI security scheme (API Gateway extension `custom`, type `token`). */
  public securityScheme(): Record<string, unknown> {
    const header = this.props.identityHeader ?? 'Authorization';
    return {
      type: 'apiKey',
      name: header,
      in: 'header',
      'x-amazon-apigateway-authtype': 'custom',
      'x-amazon-apigateway-authorizer': {
        type: 'token',
        authorizerUri: this.props.handler.invokeArn,
        identitySource: `method.request.header.${header}`,
        authorizerResultTtlInSeconds: this.props.resultTtlSeconds ?? 300,
        ...(this.props.identityValidationExpression ? { identityValidationExpression: this.props.identityValidationExpression } : {}),
      },
    };
  }
}

/** The value written for an authorization in messages: `AWS_IAM`, `NONE`, `COGNITO_USER_POOLS (cognito)`. */
export function describeAuthorization(authorization: ApiAuthorization): string {
  return typeof authorization === 'string' ? authorization : `${authorization.kind} (${authorization.name})`;
}
