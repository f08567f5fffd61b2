import { Fn, IResolvable, Op, Precondition, TerraformLocal, TerraformStack, Token, Tokenization } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { NameConstraint, NameKind, NameRule, TOKEN_PLACEHOLDER, derivationSpecOf, satisfiesConstraint } from './name-rule-tables';
import { DeployTimeSuffix, deriveName } from './naming';
import { GuardValidationError, Rule, Violation, checkRules } from './validation';

// The rule tables themselves carry no cdktf (the deployment check reads them too); this module adds
// the synth-time checks of construct props, the plan-time preconditions and name derivation.
export * from './name-rule-tables';

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


/**
 * The parts a construct's derived name is built from: the stack name, then
 * the construct's path within the stack (`TapStack/Team/Data` -> TapStack, Team, Data),
 * so two constructs with one id under different parents derive different names.
 */
export function namePartsOf(scope: IConstruct): string[] {
  const scopes = scope.node.scopes;
  const stackIndex = scopes.findIndex((s) => TerraformStack.isStack(s));
  return scopes.slice(Math.max(stackIndex, 0)).map((s) => s.node.id).filter((id) => id.length > 0);
}

/**
 * Derives the name of `kind` for `scope` and checks it against the kind's
 * rule table, exactly as an explicit name is checked. The derivation makes a
 * violation impossible; the check keeps that true if the rules change.
 */
export function deriveNameFor(
  scope: IConstruct,
  constructType: string,
  kind: NameKind,
  options: { readonly parts?: readonly string[]; readonly suffix?: DeployTimeSuffix } = {},
): string {
  const parts = options.parts ?? namePartsOf(scope);
  const name = deriveName(derivationSpecOf(kind), parts, scope.node.path, options.suffix);
  const violations = validateName(`derived ${kind.resource} name`, `${name}${options.suffix?.sample ?? ''}`, kind.rules);
  if (violations.length > 0) {
    throw new GuardValidationError(constructType, scope.node.path, violations);
  }
  return name;
}
