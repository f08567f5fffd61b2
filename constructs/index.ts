/**
 * The guard constructs as a library: `import { SafeBucket } from 'guarded-serverless-stack'`.
 *
 * The public API is chosen, name by name: the constructs, their props, the
 * interfaces props take (so imported resources work too), grants, code
 * sources, the one error type and the documented helpers. Rule tables,
 * validators and the checks behind them stay internal. Every change to this
 * list shows in the API report (`api/guarded-serverless-stack.api.md`,
 * `npm run api:update`), which `npm test` compares with the build.
 *
 * @packageDocumentation
 */

// The guard constructs of the post-mortem's four failures, and the constructs they compose with.
export { SafeBucket } from './safe-bucket';
export type { BucketEncryption, SafeBucketProps } from './safe-bucket';
export { UnreservedFunction } from './unreserved-function';
export type { UnreservedFunctionProps } from './unreserved-function';
export { LoggedStateMachine } from './logged-state-machine';
export type { ExistingStateMachineRole, LoggedStateMachineProps } from './logged-state-machine';
export { ConsistentTable } from './consistent-table';
export type { ConsistentTableProps } from './consistent-table';
export { LeastPrivilegeRole } from './least-privilege-role';
export type { ExistingRole, LeastPrivilegeRoleProps } from './least-privilege-role';
export { LambdaRestApi } from './lambda-rest-api';
export type { ApiRoute, ApiUsagePlanOptions, JsonSchemaDraft4, LambdaRestApiProps } from './lambda-rest-api';
export { CognitoUserPoolAuthorizer, LambdaTokenAuthorizer } from './api-authorizers';
export type { ApiAuthorization, CognitoUserPoolAuthorizerProps, LambdaTokenAuthorizerProps } from './api-authorizers';
export { ApiGatewayAccount } from './api-gateway-account';
export { ApiWebAcl } from './api-web-acl';
export type { ApiWebAclProps } from './api-web-acl';
export { EncryptedTopic } from './encrypted-topic';
export type { EncryptedTopicProps } from './encrypted-topic';
export { ALL_DYNAMO_OPERATIONS, DEFAULT_ALARM_THRESHOLDS, ServiceAlarms } from './service-alarms';
export type { AlarmThresholds, DynamoOperation, ServiceAlarmsProps } from './service-alarms';

// What props take: interfaces, so a function, bucket, table, state machine or API a team already has works too.
export type { IFunction } from './function-ref';
export type { IBucket, ImportedBucketOptions } from './bucket-ref';
export { TABLE_READ_ACTIONS, TABLE_WRITE_ACTIONS } from './table-ref';
export type { ITable, TableAction, TableImportOptions } from './table-ref';
export type { IStateMachine } from './state-machine-ref';
export type { ApiRouteRef, HttpMethod, IRestApi } from './rest-api-ref';

// Permissions and code.
export { Grant } from './grant';
export type { AddToPrincipalPolicyResult, GrantOnPrincipalOptions, IGrantee, PolicyStatement } from './grant';
export { Code } from './code';
export type { AssetCodeOptions, CodeKind, EntryCodeOptions } from './code';
export type { Bundle } from './internal/bundling';
export type { SupportedNodeRuntime } from './internal/lambda-runtimes';

// The one error type.
export { GuardValidationError } from './guard-validation-error';
export type { Violation } from './guard-validation-error';

// Stack-wide settings.
export { ACCOUNT_CONCURRENCY_CONTEXT_KEY, DEFAULT_ACCOUNT_CONCURRENCY_QUOTA, MIN_UNRESERVED_CONCURRENCY, QUOTA_LOOKUP_CONTEXT_KEY } from './internal/concurrency-budget';
export type { LambdaConcurrencySettings } from './internal/concurrency-budget';
export { configureLambdaConcurrency } from './internal/deployment-guard';

// The check of what Terraform will deploy (every stack's final JSON), on an app of plain provider resources too.
export { installDeploymentChecks } from './internal/deployment-guard';

// Key schemas, declared once and shared with the Lambda code (no cdktf in that module).
export { confusableForm, defineKeySchema, distinctKeyAttributes, keyAttributesOf, keyPairOf, pageKeyNamesOf } from './key-schema';
export type {
  GlobalIndexName,
  GlobalIndexSchema,
  IndexKeyAttributesOf,
  IndexKeyOf,
  IndexName,
  IndexPartitionOf,
  IndexProjection,
  IndexSortValueOf,
  ItemOf,
  KeyAttribute,
  KeyAttributeType,
  KeyNameOf,
  KeyPair,
  LocalIndexName,
  LocalIndexSchema,
  PartitionKeyOf,
  PrimaryKeyNameOf,
  PrimaryKeyOf,
  ProjectedItemOf,
  SortValueOf,
  TableKeySchema,
} from './key-schema';
