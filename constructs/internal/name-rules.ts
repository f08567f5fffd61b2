import { Fn, IResolvable, Op, Precondition, TerraformLocal, Token, Tokenization } from 'cdktf';
import { Construct } from 'constructs';
import { Rule, Violation, checkRules } from './validation';

/**
 * A naming constraint as data, so that one table drives three checks:
 * the synth-time check of a literal name, the synth-time check of the literal
 * parts of a name that holds deploy-time tokens, and the Terraform
 * `precondition` that checks the resolved name at plan.
 *
 * Patterns are written in the subset shared by JavaScript and RE2 (Terraform's
 * `regex`), without backslashes, so the same string works in both.
 */
export type NameConstraint =
  | { readonly kind: 'minLength'; readonly min: number }
  | { readonly kind: 'maxLength'; readonly max: number }
  | { readonly kind: 'matches'; readonly pattern: string }
  | { readonly kind: 'doesNotMatch'; readonly pattern: string }
  | { readonly kind: 'noPrefix'; readonly values: readonly string[] }
  | { readonly kind: 'noSuffix'; readonly values: readonly string[] };

export interface NameRule {
  readonly id: string;
  readonly requirement: string;
  readonly fix: string;
  readonly constraint: NameConstraint;
  /**
   * Whether the rule can be judged on a name whose deploy-time parts are
   * replaced by a placeholder. Rules that depend on the exact whole value
   * (minimum length, "is an IP address") are left to the precondition.
   * @default true
   */
  readonly checkableWhenPartial?: boolean;
}

/** A digit: valid at any position of every name this project validates. */
const TOKEN_PLACEHOLDER = '0';

export function satisfiesConstraint(name: string, constraint: NameConstraint): boolean {
  switch (constraint.kind) {
    case 'minLength':
      return name.length >= constraint.min;
    case 'maxLength':
      return name.length <= constraint.max;
    case 'matches':
      return new RegExp(constraint.pattern).test(name);
    case 'doesNotMatch':
      return !new RegExp(constraint.pattern).test(name);
    case 'noPrefix':
      return !constraint.values.some((prefix) => name.startsWith(prefix));
    case 'noSuffix':
      return !constraint.values.some((suffix) => name.endsWith(suffix));
  }
}

export function toRule(rule: NameRule): Rule<string> {
  return {
    id: rule.id,
    requirement: rule.requirement,
    fix: rule.fix,
    check: (name) => satisfiesConstraint(name, rule.constraint),
  };
}

/**
 * Validates a name at synth. A literal name is checked against every rule.
 * A name holding deploy-time tokens has each token replaced by a placeholder
 * and is checked against the rules that can judge it that way: its literal
 * parts are still validated, where the AWS CDK and tflint skip such names.
 */
export function validateName(field: string, name: string, rules: readonly NameRule[]): Violation[] {
  if (!Token.isUnresolved(name)) {
    return checkRules(field, name, rules.map(toRule));
  }
  const sample = withTokensAs(name, TOKEN_PLACEHOLDER);
  const partialRules = rules.filter((rule) => rule.checkableWhenPartial ?? true).map(toRule);
  const shown = withTokensAs(name, '${deploy-time value}');
  return checkRules(field, sample, partialRules).map((v) => ({ ...v, value: shown }));
}

/** The name with each deploy-time token replaced by `text`. */
function withTokensAs(name: string, text: string): string {
  return Tokenization.reverseString(name)
    .tokens.map((token) => token.toString())
    .reduce((result, tokenText) => result.split(tokenText).join(text), name);
}

/** The Terraform expression that is true when `name` satisfies `constraint`. */
export function terraformCondition(name: string, constraint: NameConstraint): IResolvable {
  switch (constraint.kind) {
    case 'minLength':
      return Op.gte(Fn.lengthOf(name), constraint.min);
    case 'maxLength':
      return Op.lte(Fn.lengthOf(name), constraint.max);
    case 'matches':
      return Fn.can(Fn.regex(constraint.pattern, name));
    case 'doesNotMatch':
      return Op.not(Fn.can(Fn.regex(constraint.pattern, name)));
    case 'noPrefix':
      return Op.not(Fn.anytrue(constraint.values.map((prefix) => Fn.startswith(name, prefix))));
    case 'noSuffix':
      return Op.not(Fn.anytrue(constraint.values.map((suffix) => Fn.endswith(name, suffix))));
  }
}

/**
 * One `precondition` per rule for a name that is only known at deploy time, so
 * `terraform plan` stops before any API call and says which rule broke.
 * Literal names get none: they were fully checked at synth.
 *
 * The name is first put in a Terraform local: the conditions refer to
 * `local.<id>` instead of repeating the template, which cdktf's built-in
 * functions cannot take as an argument. The returned `lifecycle` is undefined
 * for a literal name, so no empty precondition list is synthesized.
 */
export function guardDeployTimeName(
  scope: Construct,
  constructType: string,
  field: string,
  name: string,
  rules: readonly NameRule[],
): { name: string; lifecycle?: { precondition: Precondition[] } } {
  if (!Token.isUnresolved(name)) {
    return { name };
  }
  const local = new TerraformLocal(scope, 'ResolvedName', name).asString;
  const preconditions = rules.map((rule) => ({
    condition: terraformCondition(local, rule.constraint),
    errorMessage:
      `${constructType} at '${scope.node.path}': [${rule.id}] the resolved ${field} must ${rule.requirement}. ` +
      `Fix: ${rule.fix}.`,
  }));
  return { name: local, lifecycle: { precondition: preconditions } };
}
