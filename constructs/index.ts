/**
 * The guard constructs as a library: `import { SafeBucket } from 'guarded-serverless-stack'`.
 *
 * Every construct module in this folder is re-exported here (a test checks), so the package's
 * one entry point and the repository's own stack see the same API.
 *
 * @packageDocumentation
 */
export * from './api-authorizers';
export * from './api-gateway-account';
export * from './api-web-acl';
export * from './consistent-table';
export * from './encrypted-topic';
export * from './key-schema';
export * from './lambda-rest-api';
export * from './least-privilege-role';
export * from './logged-state-machine';
export * from './safe-bucket';
export * from './service-alarms';
export * from './unreserved-function';
