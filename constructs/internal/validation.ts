import { IConstruct } from 'constructs';
import { GuardValidationError, Violation, formatValidation, formatViolations } from '../guard-validation-error';

export { GuardValidationError, formatValidation, formatViolations };
export type { Violation };

/**
 * One validation rule, in the style of aws-cdk-lib's `validate-*-props.ts`:
 * a stable id, what the rule requires, a pure check and the fix to suggest.
 */
export interface Rule<T> {
  /** Stable identifier, quoted in errors and docs, e.g. `bucket-name/lowercase`. */
  readonly id: string;
  /** What the rule requires, phrased so it reads after "must". */
  readonly requirement: string;
  /** True when `value` satisfies the rule. */
  readonly check: (value: T) => boolean;
  /** What the user should do about a violation. */
  readonly fix: string;
  /**
   * For rules over a whole props object: the prop the rule is about, named in the error.
   * @default the field passed to checkRules
   */
  readonly field?: string;
  /**
   * For rules over a whole props object: the offending value to show.
   * @default the whole value checked
   */
  readonly pick?: (value: T) => unknown;
}

/** Runs every rule against `value` and returns all violations, not only the first. */
export function checkRules<T>(field: string, value: T, rules: readonly Rule<T>[]): Violation[] {
  return rules
    .filter((rule) => !rule.check(value))
    .map((rule) => ({
      ruleId: rule.id,
      field: rule.field ?? field,
      value: rule.pick ? rule.pick(value) : value,
      requirement: rule.requirement,
      fix: rule.fix,
    }));
}

/** A violation that is not tied to a rule table (cross-field or cross-construct checks). */
export function violation(ruleId: string, field: string, value: unknown, requirement: string, fix: string): Violation {
  return { ruleId, field, value, requirement, fix };
}

/** Throws a {@link GuardValidationError} listing every violation, if there are any. */
export function throwIfViolations(constructType: string, scope: IConstruct, violations: readonly Violation[]): void {
  if (violations.length > 0) {
    throw new GuardValidationError(constructType, scope.node.path, violations);
  }
}

/** A {@link GuardValidationError} for one broken rule: `throw refusal(...)` where a check fails outside a rule table. */
export function refusal(constructType: string, scope: IConstruct, broken: Violation): GuardValidationError {
  return new GuardValidationError(constructType, scope.node.path, [broken]);
}
