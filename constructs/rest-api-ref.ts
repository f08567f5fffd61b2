import { IConstruct } from 'constructs';
import { Grant, IGrantee } from './grant';

/** A method and path of an API, as `grantInvoke` takes it. */
export interface ApiRouteRef {
  readonly method: HttpMethod;
  readonly path: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * A deployed REST API stage: what a web ACL, alarms and callers' grants need
 * of it. {@link LambdaRestApi} implements it.
 */
export interface IRestApi extends IConstruct {
  readonly restApiId: string;
  /** The API's name (the `ApiName` dimension of its CloudWatch metrics). */
  readonly restApiName: string;
  /** The API's execution ARN, the prefix of every `execute-api:Invoke` resource. */
  readonly executionArn: string;
  readonly stageName: string;
  /** The stage's ARN (what a WAF web ACL is associated with). */
  readonly stageArn: string;
  /** The stage URL, without a trailing slash. */
  readonly url: string;
  /** Lets `grantee` call `route` (or every IAM-authorized route) on this stage: `execute-api:Invoke`, scoped to the routes. */
  grantInvoke(grantee: IGrantee, route?: ApiRouteRef): Grant;
}
