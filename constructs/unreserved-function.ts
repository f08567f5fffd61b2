import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object';
import { AssetType, Fn, TerraformAsset, Token } from 'cdktf';
import { Construct } from 'constructs';
import { createHash } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import { IBucket } from './bucket-ref';
import { Code } from './code';
import { IFunction, ImportedFunction, allowInvokeOf, grantInvokeOn } from './function-ref';
import { AddToPrincipalPolicyResult, Grant, IGrantee, PolicyStatement } from './grant';
import { LeastPrivilegeRole } from './least-privilege-role';
import { checkKeyNamesOfTablesInPolicy } from './internal/bundle-key-names';
import { Bundle, bundleEntry } from './internal/bundling';
import { XRAY_WRITE_ACTIONS } from './internal/iam';
import { DEFAULT_NODE_RUNTIME, SupportedNodeRuntime, esbuildTargetFor, runtimeProblem, supportedRuntimes } from './internal/lambda-runtimes';
import { DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_RULES } from './internal/log-retention';
import { FUNCTION_NAME_RULES, LOG_GROUP_NAME_RULES, NAME_KINDS, deriveNameFor, guardDeployTimeName, validateName } from './internal/name-rules';
import { installDeploymentChecks } from './internal/deployment-guard';
import { Rule, Violation, checkRules, throwIfViolations, violation } from './internal/validation';

// The concurrency budget is a stack-wide setting and check; re-exported here, where users look for it.
export type { ConcurrencyReservation, LambdaConcurrencySettings } from './internal/concurrency-budget';
export {
  ACCOUNT_CONCURRENCY_CONTEXT_KEY,
  DEFAULT_ACCOUNT_CONCURRENCY_QUOTA,
  LAMBDA_CONCURRENCY_QUOTA,
  LambdaConcurrencyGuard,
  MIN_UNRESERVED_CONCURRENCY,
  QUOTA_LOOKUP_CONTEXT_KEY,
  checkConcurrencyBudget,
} from './internal/concurrency-budget';
export { configureLambdaConcurrency } from './internal/deployment-guard';

/**
 * The keys Lambda sets itself and refuses in a function's configuration, as
 * listed in the Lambda developer guide ("Defined runtime environment
 * variables"). Other `AWS_*` names, such as `AWS_LAMBDA_EXEC_WRAPPER` or
 * `AWS_XRAY_CONTEXT_MISSING`, may be set.
 */
export const LAMBDA_RESERVED_ENVIRONMENT_VARIABLES: readonly string[] = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
];

/** The key format the Lambda API accepts: a letter, then letters, digits and '_' (two characters at least). */
const ENVIRONMENT_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_]+$/;

/** Environment variable names that suggest a secret: secrets belong in Secrets Manager or SSM, passed by ARN. */
const SECRET_LIKE_NAME = /(SECRET|PASSWORD|PASSWD|PRIVATE_KEY|API_KEY|ACCESS_KEY|TOKEN)/i;
/** Names that point at a secret rather than hold it: the fix the secret rule recommends. */
const SECRET_REFERENCE_NAME = /_(ARN|NAME|ID|PARAMETER)$/i;

/** True when an environment variable name looks like it holds a secret (and does not just point at one). */
export function looksLikeSecret(name: string): boolean {
  return SECRET_LIKE_NAME.test(name) && !SECRET_REFERENCE_NAME.test(name);
}

export interface UnreservedFunctionProps {
  /**
   * The function's code: {@link Code.fromEntry} (bundled with esbuild at synth)
   * or {@link Code.fromAsset} (a prebuilt zip). Give `code` or `entry`.
   * @default `Code.fromEntry(entry)`
   */
  readonly code?: Code;
  /**
   * Shorthand for `code: Code.fromEntry(entry)`: a TypeScript (or JavaScript)
   * file exporting `handler`, bundled with esbuild at synth. An absolute path
   * (`join(__dirname, 'handler.ts')`): the working directory is never used, so
   * the app synthesizes the same from any folder. For a path relative to a
   * project folder, use `Code.fromEntry(path, { projectRoot })`.
   * @default none: give `code` instead
   */
  readonly entry?: string;
  /** Bucket the code zip is uploaded to (under a key holding its hash): a {@link SafeBucket}, or one imported with {@link SafeBucket.fromBucketName}. */
  readonly codeBucket: IBucket;
  /**
   * The exact function name; validated, never rewritten.
   * @default `<stack name>-<path in the stack>`, built to pass FUNCTION_NAME_RULES (normalised, a hash
   * added when characters were dropped or the name is over 64 characters)
   */
  readonly functionName?: string;
  /**
   * Node.js runtime. Deprecated runtimes are rejected at synth.
   * @default 'nodejs22.x'
   */
  readonly runtime?: SupportedNodeRuntime;
  /**
   * Memory in MB (128 to 10240).
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Timeout in seconds (1 to 900).
   * @default 30
   */
  readonly timeoutSeconds?: number;
  /**
   * Instruction set.
   * @default 'arm64' (Graviton: cheaper per GB-second; the bundles are plain JavaScript)
   */
  readonly architecture?: 'arm64' | 'x86_64';
  /**
   * Plain configuration for the function. Names that look like secrets are rejected.
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Reserved concurrency. Every reservation of the function's account and
   * region (any `aws_lambda_function` of any stack of the app, escape hatches
   * included, `count` and `for_each` multiplying it) is summed on the final
   * tree: at synth against the declared quota, and at plan against the applied
   * quota read from Service Quotas; at least 100 must stay unreserved. A value
   * known only at deploy time is checked at plan. The quota is a stack setting:
   * see {@link configureLambdaConcurrency}.
   * @default none: the function draws on the unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * Retention of `/aws/lambda/<name>`, in days.
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Description shown in the console.
   * @default none
   */
  readonly description?: string;
}

/** The code a function is built from: `code`, else `entry` as `Code.fromEntry(entry)`. */
function codeOf(props: UnreservedFunctionProps): Code | undefined {
  return props.code ?? (props.entry !== undefined ? Code.fromEntry(props.entry) : undefined);
}

const HANDLER_PATTERN = /^[A-Za-z0-9_./-]+\.[A-Za-z_$][A-Za-z0-9_$]*$/;

const PROPS_RULES: readonly Rule<UnreservedFunctionProps>[] = [
  {
    id: 'function/code',
    field: 'code, entry',
    pick: (p) => ({ code: p.code?.path, entry: p.entry }),
    requirement: 'give the code exactly once: `code` or `entry`',
    check: (p) => (p.code === undefined) !== (p.entry === undefined),
    fix: 'pass entry: join(__dirname, \'handler.ts\'), or code: Code.fromEntry(...) or Code.fromAsset(...), not both',
  },
  {
    id: 'function/entry-absolute',
    field: 'code path',
    pick: (p) => codeOf(p)?.path,
    requirement: 'be an absolute path, or relative to an absolute projectRoot (the working directory is never used)',
    check: (p) => {
      const code = codeOf(p);
      return code === undefined || code.absolutePath !== undefined;
    },
    fix: "use join(__dirname, 'handler.ts'), or Code.fromEntry('handler.ts', { projectRoot: join(__dirname, '..') })",
  },
  {
    id: 'function/entry-exists',
    field: 'code path',
    pick: (p) => codeOf(p)?.absolutePath,
    requirement: 'name a file that exists',
    check: (p) => {
      const path = codeOf(p)?.absolutePath;
      return path === undefined || existsSync(path);
    },
    fix: 'check the path (an entry exporting `handler`, or the zip for Code.fromAsset)',
  },
  {
    id: 'function/asset-zip',
    field: 'code',
    pick: (p) => p.code?.path,
    requirement: 'be a .zip file (Code.fromAsset takes a built deployment package)',
    check: (p) => p.code?.kind !== 'asset' || /\.zip$/i.test(p.code.path),
    fix: 'zip the built code, or use Code.fromEntry to bundle an entry at synth',
  },
  {
    id: 'function/handler',
    field: 'code.handler',
    pick: (p) => p.code?.handler,
    requirement: 'be <file without extension>.<exported function>, e.g. index.handler',
    check: (p) => p.code === undefined || HANDLER_PATTERN.test(p.code.handler),
    fix: 'name the file in the zip and the function it exports',
  },
  {
    id: 'function/memory',
    field: 'memorySize',
    pick: (p) => p.memorySize,
    requirement: 'set memorySize to a whole number from 128 to 10240',
    check: (p) => p.memorySize === undefined || (Number.isInteger(p.memorySize) && p.memorySize >= 128 && p.memorySize <= 10240),
    fix: 'pick a memory size in that range',
  },
  {
    id: 'function/timeout',
    field: 'timeoutSeconds',
    pick: (p) => p.timeoutSeconds,
    requirement: 'set timeoutSeconds to a whole number from 1 to 900',
    check: (p) => p.timeoutSeconds === undefined || (Number.isInteger(p.timeoutSeconds) && p.timeoutSeconds >= 1 && p.timeoutSeconds <= 900),
    fix: 'pick a timeout in that range; longer work belongs in Step Functions',
  },
  {
    id: 'function/reserved-concurrency',
    field: 'reservedConcurrency',
    pick: (p) => p.reservedConcurrency,
    requirement: 'set reservedConcurrency to a whole number of at least 0 (a deploy-time value is checked at plan)',
    check: (p) =>
      p.reservedConcurrency === undefined ||
      Token.isUnresolved(p.reservedConcurrency) ||
      (Number.isInteger(p.reservedConcurrency) && p.reservedConcurrency >= 0),
    fix: 'omit reservedConcurrency unless the function must be capped or guaranteed capacity',
  },
  {
    // Removed prop: a per-function quota made the check depend on construction order. Refused, not ignored.
    id: 'function/account-limit-moved',
    field: 'accountConcurrencyLimit',
    pick: (p) => (p as { accountConcurrencyLimit?: unknown }).accountConcurrencyLimit,
    requirement: 'not be set on a function: the quota is one setting per stack (account and region)',
    check: (p) => (p as { accountConcurrencyLimit?: unknown }).accountConcurrencyLimit === undefined,
    fix: "declare it once per stack with configureLambdaConcurrency(stack, { accountQuota }), or the 'accountConcurrencyLimit' cdktf context value",
  },
  {
    id: 'function/environment-names',
    field: 'environment',
    pick: (p) => Object.keys(p.environment ?? {}).filter((k) => !ENVIRONMENT_KEY_PATTERN.test(k)),
    requirement: 'name environment variables as Lambda accepts: a letter, then letters, digits and "_" (at least two characters)',
    check: (p) => Object.keys(p.environment ?? {}).every((k) => ENVIRONMENT_KEY_PATTERN.test(k)),
    fix: 'rename the variable',
  },
  {
    id: 'function/environment-reserved',
    field: 'environment',
    pick: (p) => Object.keys(p.environment ?? {}).filter((k) => LAMBDA_RESERVED_ENVIRONMENT_VARIABLES.includes(k)),
    requirement: `not set a variable the Lambda runtime sets itself (${LAMBDA_RESERVED_ENVIRONMENT_VARIABLES.join(', ')})`,
    check: (p) => Object.keys(p.environment ?? {}).every((k) => !LAMBDA_RESERVED_ENVIRONMENT_VARIABLES.includes(k)),
    fix: 'rename the variable; read the runtime\'s value (process.env.AWS_REGION, ...) in the code instead',
  },
  {
    id: 'function/no-secrets-in-environment',
    field: 'environment',
    pick: (p) => Object.keys(p.environment ?? {}).filter(looksLikeSecret),
    requirement: 'not pass secrets in environment variables (names like *_SECRET, *_PASSWORD, *_TOKEN, *_API_KEY)',
    check: (p) => !Object.keys(p.environment ?? {}).some(looksLikeSecret),
    fix: 'store the secret in Secrets Manager or SSM Parameter Store and pass a reference: a name ending in _ARN, _NAME, _ID or _PARAMETER (e.g. DB_SECRET_ARN) is accepted',
  },
];

function validateUnreservedFunctionProps(props: UnreservedFunctionProps): Violation[] {
  const violations = checkRules('props', props, PROPS_RULES);
  const runtime = props.runtime ?? DEFAULT_NODE_RUNTIME;
  const problem = runtimeProblem(runtime);
  if (problem) {
    violations.push(violation('function/runtime', 'runtime', runtime, `be a supported runtime; it ${problem}`, `use ${supportedRuntimes().join(' or ')}`));
  }
  violations.push(...checkRules('logRetentionDays', props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS, LOG_RETENTION_RULES));
  if (props.functionName !== undefined) {
    violations.push(...validateName('functionName', props.functionName, FUNCTION_NAME_RULES));
  }
  return violations;
}

/**
 * A Node.js Lambda function that never eats the account's unreserved
 * concurrency (seed failure 2): it reserves none unless asked, and the
 * deployment check it installs sums every reservation of its account and region
 * against the quota on the final tree of the app (at synth, and against the
 * applied quota at plan; see {@link configureLambdaConcurrency}).
 * It owns its log group (with retention), a least-privilege role, X-Ray
 * tracing, and its code: an entry bundled with esbuild, or a prebuilt zip
 * ({@link Code}), uploaded to its code bucket under a key holding the package hash.
 *
 * Functions that exist already are referenced with {@link UnreservedFunction.fromFunctionArn}
 * and {@link UnreservedFunction.fromFunctionName}, and work wherever an {@link IFunction} is taken.
 *
 * @example
 * const fn = new UnreservedFunction(stack, 'Processing', { entry: join(__dirname, 'processing.ts'), codeBucket });
 * table.grant(fn, 'dynamodb:UpdateItem');
 */
export class UnreservedFunction extends Construct implements IFunction, IGrantee {
  /**
   * A function that exists outside this app, by ARN (a literal ARN is checked at synth; a
   * qualified one, `...:function:<name>:<alias>`, is invoked as that version or alias).
   */
  public static fromFunctionArn(scope: Construct, id: string, functionArn: string): IFunction {
    return ImportedFunction.fromArn(scope, id, functionArn);
  }

  /**
   * A function that exists outside this app, by name (checked against Lambda's naming rules),
   * in the stack's partition, account and region: literal where the stack's AWS provider pins
   * them (`region`, one `allowed_account_ids`), else read at plan.
   */
  public static fromFunctionName(scope: Construct, id: string, functionName: string): IFunction {
    return ImportedFunction.fromName(scope, id, functionName);
  }

  public readonly functionName: string;
  public readonly functionArn: string;
  /** ARN to use in API Gateway integrations (`.../invocations`). */
  public readonly invokeArn: string;
  public readonly role: LeastPrivilegeRole;
  public readonly logGroup: CloudwatchLogGroup;
  /** The code it runs. */
  public readonly code: Code;
  /** The esbuild bundle, for code from an entry; undefined for a prebuilt zip. */
  public readonly bundle?: Bundle;
  public readonly lambda: LambdaFunction;

  constructor(scope: Construct, id: string, props: UnreservedFunctionProps) {
    super(scope, id);
    throwIfViolations('UnreservedFunction', this, validateUnreservedFunctionProps(props));

    const runtime = props.runtime ?? DEFAULT_NODE_RUNTIME;
    installDeploymentChecks(this);
    const requestedName = props.functionName ?? deriveNameFor(this, 'UnreservedFunction', NAME_KINDS.function);
    const { name, lifecycle } = guardDeployTimeName(this, 'UnreservedFunction', 'function name', requestedName, FUNCTION_NAME_RULES);
    const logGroupName = `/aws/lambda/${name}`;
    // A valid function name always makes a valid log group name; checked anyway, from the one rule table.
    throwIfViolations('UnreservedFunction', this, validateName('log group name', logGroupName, LOG_GROUP_NAME_RULES));

    this.logGroup = new CloudwatchLogGroup(this, 'LogGroup', {
      name: logGroupName,
      retentionInDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    });

    this.role = new LeastPrivilegeRole(this, 'Role', { assumedBy: 'lambda.amazonaws.com' });
    // Used by the Lambda service on the role's behalf (logs, traces), never by the code: see ACTIONS_USED_BY_AWS_ON_BEHALF.
    this.role.addToPrincipalPolicy({
      sid: 'WriteOwnLogGroup',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [`${this.logGroup.arn}:*`],
    });
    this.role.addToPrincipalPolicy({ sid: 'WriteTraces', actions: [...XRAY_WRITE_ACTIONS], resources: ['*'] });

    this.code = codeOf(props) as Code;
    const path = this.code.absolutePath as string;
    this.bundle = this.code.kind === 'entry' ? bundleEntry(path, esbuildTargetFor(runtime)) : undefined;
    // A table named in the role's policy, by a grant or a statement written by hand, has its key names checked in the bundle.
    checkKeyNamesOfTablesInPolicy(this);
    const code = codeObject(props.codeBucket, this.bundle ?? prebuiltPackage(path));

    this.lambda = new LambdaFunction(this, 'Function', {
      functionName: name,
      description: props.description,
      role: this.role.roleArn,
      runtime,
      architectures: [props.architecture ?? 'arm64'],
      handler: this.code.handler,
      s3Bucket: props.codeBucket.bucketName,
      s3Key: code.key,
      sourceCodeHash: code.sourceCodeHash,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeoutSeconds ?? 30,
      reservedConcurrentExecutions: props.reservedConcurrency,
      environment: props.environment && Object.keys(props.environment).length > 0 ? { variables: { ...props.environment } } : undefined,
      tracingConfig: { mode: 'Active' },
      loggingConfig: { logFormat: 'JSON', logGroup: this.logGroup.name },
      // The log group and permissions must exist before the first invocation.
      dependsOn: [this.logGroup, this.role.policyDependable, code.object],
      lifecycle,
    });
    this.functionName = this.lambda.functionName;
    this.functionArn = this.lambda.arn;
    this.invokeArn = this.lambda.invokeArn;
  }

  /** Lets `grantee` invoke this function (and its versions and aliases). */
  public grantInvoke(grantee: IGrantee): Grant {
    return grantInvokeOn(this, grantee);
  }

  /** Lets an AWS service invoke the function, only from `sourceArn` (resource-based policy). */
  public allowInvokeFrom(id: string, principal: string, sourceArn: string): LambdaPermission {
    return allowInvokeOf(this, id, this.functionName, principal, sourceArn);
  }

  /** Adds a statement to the function's role (what its code may call). */
  public addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    return this.role.addToPrincipalPolicy(statement);
  }
}

interface CodeObject {
  readonly object: S3Object;
  readonly key: string;
  readonly sourceCodeHash: string;
}

/** A deployment package: its zip and the hash of its contents. */
interface CodePackage {
  readonly zipPath: string;
  readonly contentHash: string;
}

/** A prebuilt zip as a package (its hash read once per process). */
function prebuiltPackage(zipPath: string): CodePackage {
  return { zipPath, contentHash: createHash('sha256').update(readFileSync(zipPath)).digest('hex') };
}

/** One asset and one S3 object per package per bucket: functions sharing an entry (or a zip) share the upload. */
function codeObject(bucket: IBucket, codePackage: CodePackage): CodeObject {
  const id = `Code${codePackage.contentHash.slice(0, 16)}`;
  const existing = bucket.node.tryFindChild(id) as CodeAsset | undefined;
  return existing ?? new CodeAsset(bucket, id, bucket, codePackage);
}

class CodeAsset extends Construct implements CodeObject {
  public readonly object: S3Object;
  public readonly key: string;
  public readonly sourceCodeHash: string;

  constructor(scope: Construct, id: string, bucket: IBucket, codePackage: CodePackage) {
    super(scope, id);
    const asset = new TerraformAsset(this, 'Asset', { path: codePackage.zipPath, type: AssetType.FILE });
    this.key = `lambda/${asset.assetHash}.zip`;
    this.object = new S3Object(this, 'Object', {
      bucket: bucket.bucketName,
      key: this.key,
      source: asset.path,
      sourceHash: Fn.filemd5(asset.path),
    });
    this.sourceCodeHash = Fn.filebase64sha256(asset.path);
  }
}
