import { ITerraformDependable, TerraformResource, dependable } from 'cdktf';
import { IConstruct } from 'constructs';
import { GuardValidationError } from './guard-validation-error';

/** One Allow statement. Grants are built from these; there is no Deny and no `*` action. */
export interface PolicyStatement {
  /** Statement id: letters and digits, unique within the role. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/** What adding a statement to a principal's policy did. */
export interface AddToPrincipalPolicyResult {
  /** False when the principal already held the same statement under that sid (nothing new was added). */
  readonly statementAdded: boolean;
  /**
   * What a resource that needs the permission when it is created should depend on (the role's inline policy).
   * @default none: the principal's policy is not managed here
   */
  readonly policyDependable?: ITerraformDependable;
}

/** Anything that can receive permissions: it is asked, it does not write policy JSON. */
export interface IGrantee {
  /** Adds one statement to the principal's policy (checked: no `*` action, named resources). */
  addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult;
}

/** What {@link Grant.addToPrincipal} adds. */
export interface GrantOnPrincipalOptions {
  readonly grantee: IGrantee;
  /** Statement id: letters and digits, unique within the grantee's policy. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

/**
 * What a grant method did, in the style of aws-cdk-lib's `Grant`: the grantee,
 * the statements added to its policy (so their actions and resources can be
 * read in a test or a review), and the policy to wait for.
 *
 * @example
 * const grant = table.grantReadData(fn);
 * grant.actions;                          // ['dynamodb:BatchGetItem', ...]
 * grant.applyBefore(someResourceThatCallsTheTableOnCreate);
 */
export class Grant {
  /** Adds one statement to `grantee`'s policy and returns the grant. */
  public static addToPrincipal(options: GrantOnPrincipalOptions): Grant {
    const statement: PolicyStatement = { sid: options.sid, actions: [...options.actions], resources: [...options.resources] };
    const result = options.grantee.addToPrincipalPolicy(statement);
    return new Grant(options.grantee, [statement], result.policyDependable ? [result.policyDependable] : []);
  }

  /** The principal the permissions were granted to. */
  public readonly grantee: IGrantee;
  /** The statements added to the grantee's policy, in the order added. */
  public readonly statements: readonly PolicyStatement[];
  /** The policies a resource must wait for to have the permissions at creation. */
  public readonly policyDependables: readonly ITerraformDependable[];

  private constructor(grantee: IGrantee, statements: readonly PolicyStatement[], dependables: readonly ITerraformDependable[]) {
    this.grantee = grantee;
    this.statements = statements;
    this.policyDependables = [...new Set(dependables)];
  }

  /** Every action granted, each once. */
  public get actions(): readonly string[] {
    return [...new Set(this.statements.flatMap((s) => s.actions))];
  }

  /** Every resource ARN granted on, each once. */
  public get resources(): readonly string[] {
    return [...new Set(this.statements.flatMap((s) => s.resources))];
  }

  /** This grant and `other` (to the same grantee) as one. */
  public combine(other: Grant): Grant {
    if (other.grantee !== this.grantee) {
      throw new GuardValidationError('Grant', pathOf(this.grantee), [
        {
          ruleId: 'grant/same-grantee',
          field: 'other',
          value: pathOf(other.grantee),
          requirement: 'be a grant to the same grantee',
          fix: 'combine only grants made to one principal; keep grants to different principals apart',
        },
      ]);
    }
    return new Grant(this.grantee, [...this.statements, ...other.statements], [...this.policyDependables, ...other.policyDependables]);
  }

  /** Makes each of `resources` wait for this grant's policy, so it has the permissions when it is created. */
  public applyBefore(...resources: TerraformResource[]): void {
    for (const resource of resources) {
      const applied = appliedBefore.get(resource) ?? new Set<ITerraformDependable>();
      appliedBefore.set(resource, applied);
      const waitFor = this.policyDependables.filter((d) => !applied.has(d));
      waitFor.forEach((d) => applied.add(d));
      // `dependable` writes the bare address, as `dependsOn: [construct]` does (a quoted "${...}" is deprecated).
      if (waitFor.length > 0) resource.dependsOn = [...(resource.dependsOn ?? []), ...waitFor.map((d) => dependable(d))];
    }
  }
}

/** The policies each resource was already made to wait for, so applyBefore adds each once. */
const appliedBefore = new WeakMap<TerraformResource, Set<ITerraformDependable>>();

/** A statement id for a grant: `<what>` followed by the granting construct's id, letters and digits only. */
export function grantSid(what: string, grantor: IConstruct): string {
  return `${what}${grantor.node.id}`.replace(/[^A-Za-z0-9]/g, '');
}

function pathOf(grantee: IGrantee): string {
  const node = (grantee as Partial<IConstruct>).node;
  return node ? node.path : '(a grantee outside the construct tree)';
}
