import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { ITerraformDependable, Lazy, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { AddToPrincipalPolicyResult, IGrantee, PolicyStatement } from './grant';
import { WILDCARD_RESOURCE_ACTIONS, isScopedExecuteApiArn } from './internal/iam';
import { fitName, normaliseName, shortHash } from './internal/naming';
import { installDeploymentChecks } from './internal/deployment-guard';
import { NAME_KINDS, deriveNameFor } from './internal/name-rules';
import { resolvedText } from './internal/synthesized';
import { accountPrincipalArn } from './internal/arn';
import { Rule, checkRules, refusal, throwIfViolations, violation } from './internal/validation';

/** A role that exists outside this construct (its inline policy is still attached here). */
export interface ExistingRole {
  readonly roleName: string;
  readonly roleArn: string;
}

export interface LeastPrivilegeRoleProps {
  /**
   * Who may assume the role: a service principal, e.g. `lambda.amazonaws.com`,
   * or an AWS account, whose principals may then assume it when their own
   * policies allow `sts:AssumeRole` on it.
   */
  readonly assumedBy: string | { readonly accountId: string };
  /**
   * Use this role instead of creating one; statements are attached to it as an inline policy.
   * @default a new role named after the construct path (built to pass ROLE_NAME_RULES)
   */
  readonly existingRole?: ExistingRole;
}

const IAM_POLICY_NAME_MAX = 128;
/**
 * The only resource ARNs with a wildcard segment a role accepts besides `*`:
 * each names the actions it covers, the ARN shape, and why nothing narrower
 * works. Everything else (`table/*`, `arn:aws:s3:::*`, `:*:`) is refused.
 */
export interface WildcardResourceAllowance {
  readonly id: string;
  readonly actions: readonly string[];
  /** The resource ARN, with deploy-time parts written as the Terraform expressions they synthesize to. */
  readonly resource: RegExp;
  readonly reason: string;
}

export const WILDCARD_RESOURCE_ALLOWANCES: readonly WildcardResourceAllowance[] = [
  {
    id: 'log-streams-of-one-log-group',
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resource: /^\$\{aws_cloudwatch_log_group\.[A-Za-z0-9_-]+\.arn\}:\*$|^arn:[^*?:]+:logs:[^*?:]+:[^*?:]+:log-group:[^*?:]+:\*$/,
    reason: 'log streams are created at run time with generated names; `<log group ARN>:*` covers the streams of that one group',
  },
  {
    id: 'versions-of-one-function',
    actions: ['lambda:InvokeFunction'],
    resource: /^\$\{aws_lambda_function\.[A-Za-z0-9_-]+\.arn\}:\*$|^arn:[^*?:]+:lambda:[^*?:]+:[^*?:]+:function:[^*?:]+:\*$/,
    reason: '`<function ARN>:*` covers the versions and aliases of that one function',
  },
  {
    id: 'objects-in-one-bucket',
    actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:AbortMultipartUpload'],
    resource: /^\$\{aws_s3_bucket\.[A-Za-z0-9_-]+\.arn\}\/([^*?]*\/)?\*$|^arn:[^*?:]+:s3:::[^*?:/]+\/([^*?]*\/)?\*$/,
    reason: 'object keys are data, not resources known at synth; `<bucket ARN>/*` (or `/<prefix>/*`) covers the objects of that one bucket',
  },
  {
    id: 'execute-api-path-parameters',
    actions: ['execute-api:Invoke'],
    resource:
      /^(\$\{aws_api_gateway_rest_api\.[A-Za-z0-9_-]+\.execution_arn\}|arn:[^*?:]+:execute-api:[^*?:]+:[^*?:]+:[^*?:/]+)\/[^*?/]+\/(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)(\/([^*?/]+|\*))*$/,
    reason: 'a path parameter (`/jobs/{id}`) is `*` in an execute-api ARN; the API, stage and method stay named (LambdaRestApi.grantInvoke)',
  },
  {
    id: 'api-gateway-account-log-groups',
    actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DescribeLogGroups', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
    resource: /^arn:[^*?:]+:logs:[^*?:]+:[^*?:]+:log-group:\*(:\*)?$/,
    reason: 'API Gateway creates its execution log groups itself, named after API ids not known at synth (AWS managed policy AmazonAPIGatewayPushToCloudWatchLogs)',
  },
];

/**
 * True when `resource` names no wildcard, or an allowance covers it for every
 * one of `actions`. `resource` is read with its deploy-time parts resolved to
 * Terraform expressions (see {@link LeastPrivilegeRole.addToPrincipalPolicy}).
 */
export function wildcardResourceAllowed(resource: string, actions: readonly string[]): boolean {
  if (resource === '*' || !/[*?]/.test(resource)) return true;
  return WILDCARD_RESOURCE_ALLOWANCES.some((allowance) => allowance.resource.test(resource) && actions.every((a) => allowance.actions.includes(a)));
}

export const STATEMENT_RULES: readonly Rule<PolicyStatement>[] = [
  {
    id: 'iam/sid-format',
    requirement: 'have a sid of letters and digits only',
    check: (s) => /^[A-Za-z0-9]+$/.test(s.sid),
    fix: 'rename the statement id',
  },
  {
    id: 'iam/not-empty',
    requirement: 'name at least one action and one resource',
    check: (s) => s.actions.length > 0 && s.resources.length > 0,
    fix: 'drop the statement or give it actions and resources',
  },
  {
    id: 'iam/action-format',
    requirement: 'name each action as service:Action with no wildcard',
    check: (s) => s.actions.every((action) => /^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action)),
    fix: 'list the exact actions the code calls instead of a wildcard',
  },
  {
    id: 'iam/wildcard-resource',
    requirement: `use resource "*" only for actions AWS requires it for (${[...WILDCARD_RESOURCE_ACTIONS].join(', ')})`,
    check: (s) => !s.resources.includes('*') || s.actions.every((action) => WILDCARD_RESOURCE_ACTIONS.has(action)),
    fix: 'scope the statement to the ARNs of the resources it uses',
  },
  {
    id: 'iam/wildcard-resource-segment',
    requirement: `name resource ARNs without wildcard segments ('table/*', ':*:'), except the allowances (${WILDCARD_RESOURCE_ALLOWANCES.map((a) => a.id).join(', ')})`,
    check: (s) => s.resources.every((resource) => wildcardResourceAllowed(resource, s.actions)),
    fix: 'grant on the exact ARNs the code uses (each index ARN rather than table/*), through the owning construct\'s grant methods',
    pick: (s) => s.resources.filter((resource) => !wildcardResourceAllowed(resource, s.actions)),
  },
  {
    id: 'iam/execute-api-scope',
    requirement: 'scope execute-api actions to <API>/<stage>/<METHOD>/<path> ARNs, "*" standing only for a whole path segment (a path parameter)',
    check: (s) => s.actions.every((action) => !action.startsWith('execute-api:')) || s.resources.every(isScopedExecuteApiArn),
    fix: "grant through LambdaRestApi.grantInvoke, which names the API, its stage and each route",
  },
];

/**
 * An IAM role whose permissions only grow through {@link addToPrincipalPolicy},
 * checked statement by statement: no `*` action, and `*` resources only for
 * the actions AWS requires them for. All statements land in one inline policy,
 * which dependants can wait on through {@link policyDependable}.
 */
export class LeastPrivilegeRole extends Construct implements IGrantee {
  public readonly roleArn: string;
  public readonly roleName: string;
  /** The inline policy; resources that need the permissions at creation `dependsOn` it. */
  public readonly policyDependable: ITerraformDependable;
  private readonly statements = new Map<string, PolicyStatement>();

  constructor(scope: Construct, id: string, props: LeastPrivilegeRoleProps) {
    super(scope, id);
    if (typeof props.assumedBy !== 'string' && !Token.isUnresolved(props.assumedBy.accountId) && !/^\d{12}$/.test(props.assumedBy.accountId)) {
      throw refusal(
        'LeastPrivilegeRole',
        this,
        violation('role/trusted-account', 'assumedBy.accountId', props.assumedBy.accountId, 'be a 12-digit AWS account id', 'pass the account id, not its alias or an ARN'),
      );
    }

    if (props.existingRole) {
      this.roleArn = props.existingRole.roleArn;
      this.roleName = props.existingRole.roleName;
    } else {
      const trust = new DataAwsIamPolicyDocument(this, 'TrustPolicy', {
        statement: [
          {
            sid: 'TrustService',
            effect: 'Allow',
            actions: ['sts:AssumeRole'],
            principals: [
              typeof props.assumedBy === 'string'
                ? { type: 'Service', identifiers: [props.assumedBy] }
                : { type: 'AWS', identifiers: [accountPrincipalArn(this, props.assumedBy.accountId)] },
            ],
          },
        ],
      });
      installDeploymentChecks(this);
      const role = new IamRole(this, 'Role', {
        name: deriveNameFor(this, 'LeastPrivilegeRole', NAME_KINDS.role),
        assumeRolePolicy: trust.json,
      });
      this.roleArn = role.arn;
      this.roleName = role.name;
    }

    const policy = new DataAwsIamPolicyDocument(this, 'PolicyDocument', {
      statement: Lazy.anyValue({
        produce: () =>
          [...this.statements.values()].map((s) => ({
            sid: s.sid,
            effect: 'Allow',
            actions: [...s.actions],
            resources: [...s.resources],
          })),
      }) as never,
    });
    this.policyDependable = new IamRolePolicy(this, 'Policy', {
      // Unique per construct path: constructs sharing an existing role must not overwrite each other's policy.
      name: inlinePolicyName(this.node.path),
      role: this.roleName,
      policy: policy.json,
    });
  }

  public addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    // Rules read ARNs as they synthesize (`${aws_dynamodb_table.x.arn}/index/*`), so a wildcard after a reference is seen.
    const asSynthesized = { ...statement, resources: statement.resources.map((r) => synthesizedResource(this, r)) };
    throwIfViolations('LeastPrivilegeRole', this, checkRules(`statement ${statement.sid}`, asSynthesized, STATEMENT_RULES));
    const existing = this.statements.get(statement.sid);
    if (existing && !sameStatement(existing, statement)) {
      throw refusal(
        'LeastPrivilegeRole',
        this,
        violation('iam/sid-unique', 'statement sid', statement.sid, 'name one statement: it is already used with other actions or resources', 'give each grant its own sid'),
      );
    }
    this.statements.set(statement.sid, { sid: statement.sid, actions: [...statement.actions], resources: [...statement.resources] });
    return { statementAdded: existing === undefined, policyDependable: this.policyDependable };
  }

  /** The statements granted so far (for inspection; the synthesized policy holds the same). */
  public get grantedStatements(): readonly PolicyStatement[] {
    return [...this.statements.values()];
  }
}

/**
 * IAM inline policy name (1-128 of `[\w+=,.@-]`) for the construct at `path`:
 * the readable path plus a hash of the exact path, so paths that normalise
 * alike (`A/B-C`, `A-B/C`) still get distinct names.
 */
export function inlinePolicyName(path: string): string {
  const hash = shortHash(path);
  const readable = fitName(normaliseName(path, { allowedSeparators: '-_', separator: '-', keepCase: true }), IAM_POLICY_NAME_MAX - hash.length - 1, '-');
  return readable.length > 0 ? `${readable}-${hash}` : `policy-${hash}`;
}

/** A resource ARN as synth will write it; a literal stays as it is. */
function synthesizedResource(scope: IConstruct, value: string): string {
  return Token.isUnresolved(value) ? resolvedText(scope, value) : value;
}

function sameStatement(a: PolicyStatement, b: PolicyStatement): boolean {
  const key = (s: PolicyStatement) => JSON.stringify([[...s.actions].sort(), [...s.resources].sort()]);
  return key(a) === key(b);
}
