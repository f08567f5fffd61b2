import { Construct, IConstruct } from 'constructs';
import { Grant, IGrantee, grantSid } from './grant';
import { TableKeySchema } from './key-schema';
import { formatArn } from './internal/arn';
import { checkKeyNamesOfGrantedCode, registerKeyedTable } from './internal/bundle-key-names';
import { refusal, violation } from './internal/validation';

/** Actions the table grant methods hand out; `grant` accepts only these. */
export const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
] as const;
export const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
] as const;
/** One data-plane action on a table and its indexes. */
export type TableAction = (typeof TABLE_READ_ACTIONS)[number] | (typeof TABLE_WRITE_ACTIONS)[number];

/**
 * What a grantee needs on a customer-managed table key: without it the grant
 * deploys and every call then fails with AccessDenied. `kms:GenerateDataKey*`
 * spelled out as the one action DynamoDB calls, since roles refuse wildcard actions.
 */
export const TABLE_KMS_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey'] as const;

/**
 * A DynamoDB table with its key schema: one this app makes ({@link ConsistentTable})
 * or one that exists already ({@link ConsistentTable.fromTableName}). Either way
 * the schema is the one the Lambda code imports, so the key types and checks hold.
 */
export interface ITable<S extends TableKeySchema = TableKeySchema> extends IConstruct {
  readonly tableName: string;
  readonly tableArn: string;
  /** The key schema the table is built from (or, imported, was declared with). */
  readonly schema: S;
  /**
   * The customer-managed KMS key the table encrypts with; grants then include it.
   * @default none: the AWS managed key
   */
  readonly kmsKeyArn?: string;
  /** Grants exactly `actions` on the table and each of its indexes (named, never `index/*`). */
  grant(grantee: IGrantee, ...actions: TableAction[]): Grant;
  /** Grants the read actions (`GetItem`, `BatchGetItem`, `Query`, `Scan`, `ConditionCheckItem`). */
  grantReadData(grantee: IGrantee): Grant;
  /** Grants the write actions (`PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem`). */
  grantWriteData(grantee: IGrantee): Grant;
  /** Grants the read and the write actions. */
  grantReadWriteData(grantee: IGrantee): Grant;
}

/** What {@link ConsistentTable.fromTableName} needs besides the name. */
export interface TableImportOptions<S extends TableKeySchema = TableKeySchema> {
  /**
   * The table's key schema, declared once (see `defineKeySchema`) and imported by the
   * Lambda code too. It is checked as a new table's would be: key types and key-name
   * checks keep working on an imported table.
   */
  readonly schema: S;
  /**
   * Naming convention every key attribute must follow (a regular expression).
   * @default '^[a-z][a-z0-9_]*$' (lowercase)
   */
  readonly keyNamePattern?: string;
  /**
   * The table's customer-managed KMS key, so grants include `kms:Decrypt` and `kms:GenerateDataKey`.
   * @default none: the AWS managed key
   */
  readonly kmsKeyArn?: string;
}

/** The table ARN and the ARN of each of its indexes: what every grant is scoped to. */
export function tableGrantResources(tableArn: string, schema: TableKeySchema): string[] {
  const indexNames = [...Object.keys(schema.globalIndexes ?? {}), ...Object.keys(schema.localIndexes ?? {})];
  return [tableArn, ...indexNames.map((name) => `${tableArn}/index/${name}`)];
}

/** The one table grant: exactly `actions` on the table and its indexes, plus its key when customer-managed. */
export function grantOnTable(table: ITable, constructType: string, grantee: IGrantee, actions: readonly TableAction[]): Grant {
  const known: readonly string[] = [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS];
  const unknown = actions.filter((action) => !known.includes(action));
  if (actions.length === 0 || unknown.length > 0) {
    throw refusal(
      constructType,
      table,
      violation('table/grant-actions', 'actions', actions, `be one or more of ${known.join(', ')}`, 'grant the DynamoDB data actions the code calls, or use grantReadData / grantWriteData'),
    );
  }
  const granted = [...new Set(actions)].sort();
  const sid = grantSid(granted.map((a) => a.replace('dynamodb:', '')).join(''), table);
  const grant = Grant.addToPrincipal({ grantee, sid, actions: granted, resources: tableGrantResources(table.tableArn, table.schema) });
  // A function built from a bundle (or its role) has its bundle checked at synth for this table's key names spelled another way.
  checkKeyNamesOfGrantedCode(table, grantee);
  if (table.kmsKeyArn === undefined) return grant;
  return grant.combine(Grant.addToPrincipal({ grantee, sid: grantSid('UseKey', table), actions: [...TABLE_KMS_ACTIONS], resources: [table.kmsKeyArn] }));
}

/** A table that exists outside this app, with the key schema it was declared with. */
export class ImportedTable<S extends TableKeySchema = TableKeySchema> extends Construct implements ITable<S> {
  public readonly tableName: string;
  public readonly tableArn: string;
  public readonly schema: S;
  public readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, tableName: string, options: TableImportOptions<S>) {
    super(scope, id);
    this.tableName = tableName;
    this.schema = options.schema;
    this.kmsKeyArn = options.kmsKeyArn;
    this.tableArn = formatArn(this, { service: 'dynamodb', resource: `table/${tableName}` });
    registerKeyedTable(this, tableName);
  }

  public grant(grantee: IGrantee, ...actions: TableAction[]): Grant {
    return grantOnTable(this, 'ConsistentTable.fromTableName', grantee, actions);
  }

  public grantReadData(grantee: IGrantee): Grant {
    return this.grant(grantee, ...TABLE_READ_ACTIONS);
  }

  public grantWriteData(grantee: IGrantee): Grant {
    return this.grant(grantee, ...TABLE_WRITE_ACTIONS);
  }

  public grantReadWriteData(grantee: IGrantee): Grant {
    return this.grant(grantee, ...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS);
  }
}
