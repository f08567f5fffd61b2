import { DynamodbTable } from '@cdktf/provider-aws/lib/dynamodb-table';
import { Construct } from 'constructs';
import { IndexProjection, KeyAttribute, TableKeySchema, confusableForm, distinctKeyAttributes, keyAttributesOf } from './key-schema';
import { Grant, IGrantee } from './grant';
import { ITable, ImportedTable, TABLE_READ_ACTIONS, TABLE_WRITE_ACTIONS, TableAction, TableImportOptions, grantOnTable } from './table-ref';
import { ATTRIBUTE_NAME_LENGTH, attributeNameLengthOk, recordKeySchema } from './internal/deployment-checks/tables';
import { INDEX_NAME_RULES, NAME_KINDS, TABLE_NAME_RULES, deriveNameFor, guardDeployTimeName, validateName } from './internal/name-rules';
import { registerKeyedTable } from './internal/bundle-key-names';
import { installDeploymentChecks } from './internal/deployment-guard';
import { GuardValidationError, Rule, Violation, checkRules, throwIfViolations, violation } from './internal/validation';

/** DynamoDB's limits on indexes per table. */
export const MAX_GLOBAL_INDEXES = 20;
export const MAX_LOCAL_INDEXES = 5;

/** The default convention for key attribute names: lowercase, digits and '_'. */
export const DEFAULT_KEY_NAME_PATTERN = '^[a-z][a-z0-9_]*$';

export interface ConsistentTableProps<S extends TableKeySchema = TableKeySchema> {
  /** The key schema, declared once (see `key-schema.ts`); Lambda code imports the same object. */
  readonly schema: S;
  /**
   * The exact table name; validated, never rewritten. A name with deploy-time
   * parts has its literal parts checked at synth and the resolved name by a
   * Terraform precondition at plan.
   * @default `<stack name>-<path in the stack>`, built to pass TABLE_NAME_RULES (3 to 255 characters)
   */
  readonly tableName?: string;
  /**
   * Naming convention every key attribute must follow (a regular expression).
   * @default '^[a-z][a-z0-9_]*$' (lowercase)
   */
  readonly keyNamePattern?: string;
  /**
   * Name of a Number attribute holding an expiry time in epoch seconds.
   * @default no TTL
   */
  readonly timeToLiveAttribute?: string;
  /**
   * Refuse `DeleteTable` (and so `terraform destroy`) until switched off.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Point-in-time recovery.
   * @default true
   */
  readonly pointInTimeRecovery?: boolean;
  /**
   * Customer-managed KMS key for encryption at rest (its ARN). Every grant
   * then also gives `kms:Decrypt` and `kms:GenerateDataKey` on this key.
   * @default the AWS managed key for DynamoDB (no KMS grant needed)
   */
  readonly kmsKeyArn?: string;
}

/** DynamoDB's limit on attributes projected with INCLUDE, summed over all indexes of a table. */
export const MAX_PROJECTED_ATTRIBUTES = 100;

// Defined beside the schema types (no cdktf there), so Lambda code and the key-name scan use the same form.
export { confusableForm };

function includedAttributes(projection: IndexProjection | undefined): readonly string[] {
  return typeof projection === 'object' ? projection.include : [];
}

function allIndexes(schema: TableKeySchema): { readonly projection?: IndexProjection }[] {
  return [...Object.values(schema.globalIndexes ?? {}), ...Object.values(schema.localIndexes ?? {})];
}

/** The synthesized projection of an index: type, and the attributes INCLUDE copies. */
function projectionArgs(projection: IndexProjection | undefined): { projectionType: string; nonKeyAttributes?: string[] } {
  if (typeof projection === 'object') return { projectionType: 'INCLUDE', nonKeyAttributes: [...projection.include] };
  return { projectionType: projection ?? 'ALL' };
}

function schemaRules(keyNamePattern: string): readonly Rule<TableKeySchema>[] {
  return [
    {
      id: 'table-keys/naming-convention',
      requirement: `name every key attribute to match ${keyNamePattern}`,
      check: (schema) => keyAttributesOf(schema).every((a) => new RegExp(keyNamePattern).test(a.name)),
      fix: 'rename the key attributes (in the one schema module, so code and table change together)',
    },
    {
      id: 'table-keys/name-length',
      requirement: `name every key attribute with a name ${ATTRIBUTE_NAME_LENGTH}, as DynamoDB requires`,
      check: (schema) => keyAttributesOf(schema).every((a) => attributeNameLengthOk(a.name)),
      fix: 'shorten the key attribute names (in the one schema module, so code and table change together)',
      pick: (schema) => keyAttributesOf(schema).filter((a) => !attributeNameLengthOk(a.name)).map((a) => a.name),
    },
    {
      id: 'table-keys/no-confusable-names',
      requirement: 'not hold two key names that differ only by case or separators (the PK/pk failure)',
      check: (schema) => {
        const names = distinctKeyAttributes(schema).map((a) => a.name);
        return new Set(names.map(confusableForm)).size === names.length;
      },
      fix: 'use one spelling for each key attribute',
    },
    {
      id: 'table-keys/one-type-per-attribute',
      requirement: 'declare each key attribute with one type everywhere it is used',
      check: (schema) => {
        const typeByName = new Map<string, string>();
        for (const attribute of keyAttributesOf(schema)) {
          if ((typeByName.get(attribute.name) ?? attribute.type) !== attribute.type) return false;
          typeByName.set(attribute.name, attribute.type);
        }
        return true;
      },
      fix: 'give the attribute the same type in the table key and every index',
    },
    {
      id: 'table-keys/distinct-partition-and-sort',
      requirement: 'use different attributes for the partition key and the sort key of each key pair',
      check: (schema) =>
        [schema.primary, ...Object.values(schema.globalIndexes ?? {})].every((pair) => pair.sortKey?.name !== pair.partitionKey.name),
      fix: 'pick another sort key attribute',
    },
    {
      id: 'table-keys/include-projection',
      requirement: 'list, in an INCLUDE projection, one or more distinct attributes that are not key attributes',
      check: (schema) =>
        allIndexes(schema).every((index) => {
          if (typeof index.projection !== 'object') return true;
          const included = index.projection.include;
          const keyForms = keyAttributesOf(schema).map((a) => confusableForm(a.name));
          return (
            included.length > 0 &&
            new Set(included).size === included.length &&
            included.every((name) => name.length > 0 && !keyForms.includes(confusableForm(name)))
          );
        }),
      fix: "key attributes are always projected: list only other attributes, or use 'KEYS_ONLY'",
    },
    {
      id: 'table-keys/projected-attribute-limit',
      requirement: `project at most ${MAX_PROJECTED_ATTRIBUTES} attributes with INCLUDE over all indexes`,
      check: (schema) => allIndexes(schema).reduce((sum, index) => sum + includedAttributes(index.projection).length, 0) <= MAX_PROJECTED_ATTRIBUTES,
      fix: "project fewer attributes, or use 'ALL'",
    },
    {
      id: 'table-keys/gsi-limit',
      requirement: `have at most ${MAX_GLOBAL_INDEXES} global secondary indexes`,
      check: (schema) => Object.keys(schema.globalIndexes ?? {}).length <= MAX_GLOBAL_INDEXES,
      fix: 'merge indexes (overload gsi keys) or split the table',
    },
    {
      id: 'table-keys/lsi-limit',
      requirement: `have at most ${MAX_LOCAL_INDEXES} local secondary indexes`,
      check: (schema) => Object.keys(schema.localIndexes ?? {}).length <= MAX_LOCAL_INDEXES,
      fix: 'use global indexes instead',
    },
    {
      id: 'table-keys/lsi-needs-sort-key',
      requirement: 'have a primary sort key when it declares local secondary indexes',
      check: (schema) => Object.keys(schema.localIndexes ?? {}).length === 0 || schema.primary.sortKey !== undefined,
      fix: 'add a sort key to the primary key, or use global indexes',
    },
  ];
}

function validateConsistentTableProps(props: ConsistentTableProps): Violation[] {
  const pattern = props.keyNamePattern ?? DEFAULT_KEY_NAME_PATTERN;
  const violations = checkRules('schema', props.schema, schemaRules(pattern));
  if (props.tableName !== undefined) {
    violations.push(...validateName('tableName', props.tableName, TABLE_NAME_RULES));
  }
  const indexNames = [...Object.keys(props.schema.globalIndexes ?? {}), ...Object.keys(props.schema.localIndexes ?? {})];
  for (const indexName of indexNames) {
    violations.push(...validateName(`index name`, indexName, INDEX_NAME_RULES));
  }
  if (new Set(indexNames).size !== indexNames.length) {
    violations.push(violation('table-keys/unique-index-names', 'index names', indexNames, 'be unique across global and local indexes', 'rename one of the indexes'));
  }
  const ttl = props.timeToLiveAttribute;
  if (ttl !== undefined) {
    if (!new RegExp(pattern).test(ttl)) {
      violations.push(violation('table-ttl/naming-convention', 'timeToLiveAttribute', ttl, `match ${pattern}`, 'rename the TTL attribute'));
    }
    if (keyAttributesOf(props.schema).some((a) => confusableForm(a.name) === confusableForm(ttl))) {
      violations.push(violation('table-ttl/not-a-key', 'timeToLiveAttribute', ttl, 'not be (or look like) a key attribute', 'use a separate attribute such as "expires_at"'));
    }
  }
  return violations;
}

/**
 * A DynamoDB table built from one typed key schema (seed failure 4): its
 * attribute definitions are derived from the keys, key names follow one
 * convention, and names that differ only by case are rejected. On-demand
 * billing, point-in-time recovery, encryption and deletion protection by default.
 *
 * @example
 * const table = new ConsistentTable(stack, 'Jobs', { schema: jobsTableSchema });
 * table.grant(fn, 'dynamodb:GetItem', 'dynamodb:Query');
 */
export class ConsistentTable<S extends TableKeySchema = TableKeySchema> extends Construct implements ITable<S> {
  /**
   * A table that exists outside this app, by name, with the key schema it was declared with:
   * the schema is checked as a new table's would be (key-name convention, no names differing
   * only by case), so the table client's key types and the key-name checks keep working.
   * Its ARN is built in the stack's partition, account and region.
   */
  public static fromTableName<S extends TableKeySchema>(scope: Construct, id: string, tableName: string, options: TableImportOptions<S>): ITable<S> {
    const violations = validateConsistentTableProps({ schema: options.schema, tableName, keyNamePattern: options.keyNamePattern });
    if (violations.length > 0) throw new GuardValidationError('ConsistentTable.fromTableName', `${scope.node.path}/${id}`, violations);
    return new ImportedTable(scope, id, tableName, options);
  }

  public readonly tableName: string;
  public readonly tableArn: string;
  public readonly schema: S;
  public readonly table: DynamodbTable;
  /** The customer-managed key, when one was given. */
  public readonly kmsKeyArn?: string;

  constructor(scope: Construct, id: string, props: ConsistentTableProps<S>) {
    super(scope, id);
    throwIfViolations('ConsistentTable', this, validateConsistentTableProps(props));
    this.schema = props.schema;

    const { primary, globalIndexes = {}, localIndexes = {} } = props.schema;
    installDeploymentChecks(this);
    this.kmsKeyArn = props.kmsKeyArn;
    const requestedName = props.tableName ?? deriveNameFor(this, 'ConsistentTable', NAME_KINDS.table);
    const { name, lifecycle } = guardDeployTimeName(this, 'ConsistentTable', 'table name', requestedName, TABLE_NAME_RULES);
    this.table = new DynamodbTable(this, 'Table', {
      name,
      lifecycle,
      billingMode: 'PAY_PER_REQUEST',
      hashKey: primary.partitionKey.name,
      rangeKey: primary.sortKey?.name,
      attribute: distinctKeyAttributes(props.schema).map((a: KeyAttribute) => ({ name: a.name, type: a.type })),
      globalSecondaryIndex: Object.entries(globalIndexes).map(([name, index]) => ({
        name,
        hashKey: index.partitionKey.name,
        rangeKey: index.sortKey?.name,
        ...projectionArgs(index.projection),
      })),
      localSecondaryIndex: Object.entries(localIndexes).map(([name, index]) => ({
        name,
        rangeKey: index.sortKey.name,
        ...projectionArgs(index.projection),
      })),
      pointInTimeRecovery: { enabled: props.pointInTimeRecovery ?? true },
      serverSideEncryption: { enabled: true, kmsKeyArn: props.kmsKeyArn },
      deletionProtectionEnabled: props.deletionProtection ?? true,
      ttl: props.timeToLiveAttribute ? { attributeName: props.timeToLiveAttribute, enabled: true } : undefined,
    });
    // The deployment check compares the final keys (overrides included) with the schema the code is typed from.
    this.table.addOverride('//.guards.keySchema', recordKeySchema(props.schema));
    this.tableName = this.table.name;
    this.tableArn = this.table.arn;
    registerKeyedTable(this, name);
  }

  /**
   * Grants exactly `actions` on the table and its indexes. When `grantee` is a
   * function built from a bundle (or its role), the bundle is checked at synth
   * for key names spelled differently from this table's schema (`PK` for `pk`).
   */
  public grant(grantee: IGrantee, ...actions: TableAction[]): Grant {
    return grantOnTable(this, 'ConsistentTable', grantee, actions);
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
