import { sep } from 'path';

/**
 * One broken rule: which rule, on which prop, the offending value, what the
 * rule requires and what to do about it.
 */
export interface Violation {
  /** Stable rule id, quoted in errors and docs, e.g. `bucket-name/charset`. */
  readonly ruleId: string;
  /** The prop (or part of a prop) that holds the offending value. */
  readonly field: string;
  readonly value: unknown;
  /** What the rule requires, phrased so it reads after "must". */
  readonly requirement: string;
  /** What to do about it, in terms of this library's API (props, methods, helpers). */
  readonly fix: string;
}

/**
 * The one error every refusal of this library throws: a construct's props,
 * an import, a grant or a setting that would fail to deploy or to run.
 * Its message is one block (the construct path, then each broken rule with
 * its value and fix), and {@link GuardValidationError.violations} holds the
 * same facts as data.
 *
 * Printed uncaught (as `cdktf synth` shows an app's stderr), it shows that block
 * and the line of the caller's code that made the construct: the frames inside
 * this library and the violations object are left out of the printout.
 */
export class GuardValidationError extends Error {
  readonly #constructType: string;
  readonly #constructPath: string;
  readonly #violations: readonly Violation[];

  /**
   * @param constructType - the construct (or helper) refusing, e.g. `SafeBucket`
   * @param constructPath - the construct path (`Stack/Code`) the refusal is about
   * @param violations - every broken rule, at least one
   */
  constructor(constructType: string, constructPath: string, violations: readonly Violation[]) {
    super(formatViolations(constructType, constructPath, violations));
    this.name = 'GuardValidationError';
    this.#constructType = constructType;
    this.#constructPath = constructPath;
    this.#violations = [...violations];
    Object.defineProperty(this, 'stack', { value: callerStack(this.name, this.message, this.stack), writable: true, configurable: true });
  }

  /** The construct (or helper) that refused, e.g. `SafeBucket`. */
  public get constructType(): string {
    return this.#constructType;
  }

  /** The construct path the refusal is about, e.g. `ConsumerStack/Code`. */
  public get constructPath(): string {
    return this.#constructPath;
  }

  /** Every broken rule, in the order the message lists them. */
  public get violations(): readonly Violation[] {
    return this.#violations;
  }
}

/** The message of a {@link GuardValidationError}: the construct path once, then one item per rule. */
export function formatViolations(constructType: string, constructPath: string, violations: readonly Violation[]): string {
  const count = violations.length === 1 ? '1 problem' : `${violations.length} problems`;
  const lines = violations.map((v) => `  - [${v.ruleId}] ${v.field} ${formatValue(v.value)} must ${v.requirement}.\n    Fix: ${v.fix}`);
  return `${constructType} at '${constructPath}' has ${count}:\n${lines.join('\n')}`;
}

/**
 * A refusal reported as a validation of the final tree: cdktf prints the construct
 * path in front of it (`[Stack/Flow] ...`), so the message names the construct type only.
 */
export function formatValidation(constructType: string, violations: readonly Violation[]): string {
  return formatViolations(constructType, '', violations).replace(/ at '' has /, ' has ');
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  // JSON would print Infinity and NaN as null, and undefined as nothing.
  if (typeof value === 'number' || value === undefined) return String(value);
  return JSON.stringify(value);
}

/** This library's own folder (`constructs/` in the repository, `dist/` in the package). */
const LIBRARY_DIR = `${__dirname}${sep}`;

/**
 * The stack of a refusal: its header and the first frame in the caller's code
 * (outside this library, Node's internals and node_modules), which is where the
 * refused construct was made. The library's own frames say nothing to its user.
 */
function callerStack(name: string, message: string, stack: string | undefined): string {
  const frames = (stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  const caller = frames.find((line) => !line.includes(LIBRARY_DIR) && !/\(node:|at node:|[\\/]node_modules[\\/]/.test(line));
  return `${name}: ${message}${caller ? `\n${caller}` : ''}`;
}
