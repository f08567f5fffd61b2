import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { Fn, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { Grant, IGrantee, grantSid } from './grant';
import { formatArn, parseArn } from './internal/arn';
import { FUNCTION_NAME_RULES, validateName } from './internal/name-rules';
import { throwIfViolations, violation } from './internal/validation';

/**
 * A Lambda function: one this app makes ({@link UnreservedFunction}) or one
 * that exists already ({@link UnreservedFunction.fromFunctionArn},
 * {@link UnreservedFunction.fromFunctionName}). Props that take a function
 * take this, so a team can pass the functions it has.
 */
export interface IFunction extends IConstruct {
  readonly functionName: string;
  readonly functionArn: string;
  /** The ARN API Gateway integrations call (`arn:<partition>:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations`). */
  readonly invokeArn: string;
  /** Lets `grantee` invoke this function (a qualified ARN: that version or alias; else the function, its versions and aliases). */
  grantInvoke(grantee: IGrantee): Grant;
  /** Lets an AWS service invoke the function, only from `sourceArn` (a resource-based policy statement). */
  allowInvokeFrom(id: string, principal: string, sourceArn: string): LambdaPermission;
}

/** The resources `lambda:InvokeFunction` is granted on for a function ARN. */
export function invokeResources(functionArn: string): string[] {
  const parsed = parseArn(functionArn);
  const qualified = parsed ? parsed.resource.split(':').length > 2 : /\.qualified_arn\}$|^\$\{(data\.)?aws_lambda_alias\./.test(functionArn);
  // An unqualified ARN covers $LATEST; `<arn>:*` its versions and aliases. A qualified one names exactly one of them.
  return qualified ? [functionArn] : [functionArn, `${functionArn}:*`];
}

/** `lambda:InvokeFunction` on `fn` for `grantee`: the one invoke grant of every IFunction. */
export function grantInvokeOn(fn: IFunction, grantee: IGrantee): Grant {
  return Grant.addToPrincipal({ grantee, sid: grantSid('Invoke', fn), actions: ['lambda:InvokeFunction'], resources: invokeResources(fn.functionArn) });
}

/** A resource-based permission for `principal` to invoke `fn` from `sourceArn` only. */
export function allowInvokeOf(scope: Construct, id: string, functionName: string, principal: string, sourceArn: string): LambdaPermission {
  return new LambdaPermission(scope, id, { action: 'lambda:InvokeFunction', functionName, principal, sourceArn });
}

/** The API Gateway integration URI of a function, in its partition and region (the stack's, for a deploy-time ARN). */
export function lambdaInvokeArn(scope: IConstruct, functionArn: string): string {
  const parsed = parseArn(functionArn);
  // API Gateway's service-integration ARNs put the integrated service where an account would be.
  return formatArn(scope, {
    partition: parsed?.partition,
    service: 'apigateway',
    region: parsed?.region,
    account: 'lambda',
    resource: `path/2015-03-31/functions/${functionArn}/invocations`,
  });
}

const FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})(:[A-Za-z0-9$_-]+)?$/;

/** A function that exists outside this app, referenced by ARN. */
export class ImportedFunction extends Construct implements IFunction {
  /** A function by ARN; a literal ARN is checked at synth. */
  public static fromArn(scope: Construct, id: string, functionArn: string): ImportedFunction {
    return new ImportedFunction(scope, id, functionArn, undefined);
  }

  /** A function by name, in the stack's partition, account and region. */
  public static fromName(scope: Construct, id: string, functionName: string): ImportedFunction {
    return new ImportedFunction(scope, id, undefined, functionName);
  }

  public readonly functionName: string;
  public readonly functionArn: string;
  public readonly invokeArn: string;

  private constructor(scope: Construct, id: string, arn: string | undefined, name: string | undefined) {
    super(scope, id);
    if (arn !== undefined) {
      const literal = !Token.isUnresolved(arn);
      throwIfViolations(
        'UnreservedFunction.fromFunctionArn',
        this,
        literal && !FUNCTION_ARN.test(arn)
          ? [violation('function/import-arn', 'functionArn', arn, 'be a Lambda function ARN (arn:<partition>:lambda:<region>:<12-digit account>:function:<name>[:<version or alias>])', "pass the function's ARN, or use fromFunctionName with its name")]
          : [],
      );
      this.functionArn = arn;
      // `arn:<partition>:lambda:<region>:<account>:function:<name>[:<qualifier>]`: the name is the seventh part.
      this.functionName = literal ? (FUNCTION_ARN.exec(arn)?.[1] as string) : Token.asString(Fn.element(Fn.split(':', arn), 6));
    } else {
      const functionName = name as string;
      throwIfViolations('UnreservedFunction.fromFunctionName', this, validateName('functionName', functionName, FUNCTION_NAME_RULES));
      this.functionName = functionName;
      this.functionArn = formatArn(this, { service: 'lambda', resource: `function:${functionName}` });
    }
    this.invokeArn = lambdaInvokeArn(this, this.functionArn);
  }

  public grantInvoke(grantee: IGrantee): Grant {
    return grantInvokeOn(this, grantee);
  }

  public allowInvokeFrom(id: string, principal: string, sourceArn: string): LambdaPermission {
    return allowInvokeOf(this, id, this.functionName, principal, sourceArn);
  }
}
