/**
 * What Lambda code imports: `import { TableClient, defineKeySchema } from 'guarded-serverless-stack/table-client'`.
 *
 * The typed table client and the key schema helpers, and nothing that loads
 * cdktf or constructs: at run time this entry needs only `@aws-sdk/client-dynamodb`
 * and `@aws-sdk/lib-dynamodb` (optional peer dependencies of the package, and
 * part of every Node.js Lambda runtime). The package's main entry re-exports the
 * key schema helpers too, for the app that builds the table from the same schema.
 *
 * @packageDocumentation
 */
export * from '../key-schema';
export * from './document-client';
export * from './table-client';
