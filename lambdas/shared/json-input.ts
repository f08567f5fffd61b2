import { AWS_LIMITS, MAX_FIELD_ERRORS, MAX_NESTING_DEPTH } from './limits';

/**
 * Parses a request body as JSON and enforces, on the way, what the store and
 * the workflow can hold, so that nothing accepted fails later for its form:
 *  - at most MAX_NESTING_DEPTH levels of arrays and objects (DynamoDB's 32);
 *    parsing stops at the first level too deep, so no depth can exhaust the stack;
 *  - numbers finite, 0 or within DynamoDB's magnitudes, within ±(2^53 − 1)
 *    (what lib-dynamodb marshals), and written so the double they parse to
 *    is exactly the decimal written (`9007199254740993` or `0.1000000000000000001` are refused);
 *  - no `__proto__`, `constructor` or `prototype` key, no key twice in one object;
 *  - strings well-formed Unicode (no lone surrogate), which DynamoDB and Step Functions need.
 * Errors name the field (`payload.numbers[3]`); at most MAX_FIELD_ERRORS are
 * kept, the rest counted. A syntax error ends parsing.
 */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** Collects field errors, keeping the first MAX_FIELD_ERRORS and counting all. */
export class FieldErrors {
  public readonly listed: FieldError[] = [];
  public count = 0;

  public add(field: string, message: string): void {
    this.count += 1;
    if (this.listed.length < MAX_FIELD_ERRORS) this.listed.push({ field: field || 'body', message });
  }

  /** Adds another collector's errors (its listed ones, and its count). */
  public merge(other: FieldErrors): void {
    for (const error of other.listed) this.add(error.field, error.message);
    this.count += other.count - other.listed.length;
  }

  public get empty(): boolean {
    return this.count === 0;
  }

  /** One line: the listed errors, and how many more there were. */
  public summary(): string {
    const more = this.count - this.listed.length;
    return this.listed.map((e) => `${e.field} ${e.message}`).join('; ') + (more > 0 ? `; and ${more} more error(s)` : '');
  }
}

export const FORBIDDEN_KEYS: readonly string[] = ['__proto__', 'constructor', 'prototype'];

class SyntaxFailure extends Error {}

export type JsonParseResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly errors: FieldErrors };

export function parseJsonInput(text: string, rootField = ''): JsonParseResult {
  const errors = new FieldErrors();
  const parser = new Parser(text, errors);
  try {
    parser.skipWhitespace();
    const value = parser.value(rootField, 0);
    parser.skipWhitespace();
    if (parser.pos < text.length) parser.fail(rootField, 'must be one JSON value, with nothing after it');
    return errors.empty ? { ok: true, value } : { ok: false, errors };
  } catch (error) {
    if (!(error instanceof SyntaxFailure)) throw error;
    return { ok: false, errors };
  }
}

/** Why a number, as written, cannot be held exactly; undefined when it can. */
export function numberProblem(token: string): string | undefined {
  const value = Number(token);
  if (!Number.isFinite(value)) return 'is beyond what a number can hold';
  if (value !== 0 && Math.abs(value) < AWS_LIMITS.smallestNumberMagnitude) return `must be 0 or at least ${AWS_LIMITS.smallestNumberMagnitude} in magnitude`;
  if (Math.abs(value) > AWS_LIMITS.largestExactInteger) return `must be within ±${AWS_LIMITS.largestExactInteger} (2^53 − 1)`;
  if (decimalOf(token) !== decimalOf(String(value))) return `cannot be held exactly: it would become ${String(value)}`;
  return undefined;
}

/** A decimal literal's value in a canonical spelling: sign, significant digits, exponent. */
function decimalOf(literal: string): string {
  const match = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!match) return literal;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  const digits = whole + fraction;
  const firstNonZero = digits.search(/[1-9]/);
  if (firstNonZero < 0) return '0';
  const significant = digits.slice(firstNonZero).replace(/0+$/, '');
  // Value = 0.<significant> × 10^(position of the first significant digit from the point).
  const scale = BigInt(exponent) + BigInt(whole.length - firstNonZero);
  return `${sign}0.${significant}e${scale}`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether a string is well-formed UTF-16 (no lone surrogate), so it has a UTF-8 form. */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Parser {
  public pos = 0;

  constructor(
    private readonly text: string,
    private readonly errors: FieldErrors,
  ) {}

  public fail(field: string, message: string): never {
    this.errors.add(field, message);
    throw new SyntaxFailure();
  }

  public skipWhitespace(): void {
    while (this.pos < this.text.length && WHITESPACE.has(this.text[this.pos])) this.pos += 1;
  }

  public value(field: string, depth: number): unknown {
    const char = this.text[this.pos];
    if (char === '{' || char === '[') {
      if (depth >= MAX_NESTING_DEPTH) this.fail(field, `nests arrays and objects deeper than ${MAX_NESTING_DEPTH} levels`);
      return char === '{' ? this.object(field, depth + 1) : this.array(field, depth + 1);
    }
    if (char === '"') {
      const text = this.string(field);
      if (!isWellFormed(text)) this.errors.add(field, 'must be well-formed Unicode (it holds a lone surrogate)');
      return text;
    }
    for (const [literal, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(literal, this.pos)) {
        this.pos += literal.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.pos;
    const token = NUMBER.exec(this.text)?.[0];
    if (token === undefined) this.fail(field, `must be valid JSON (unexpected ${this.describeNext()} at offset ${this.pos})`);
    this.pos += token.length;
    const problem = numberProblem(token);
    if (problem) this.errors.add(field, `${problem} (${token.length > 40 ? `${token.slice(0, 40)}…` : token})`);
    return Number(token);
  }

  private describeNext(): string {
    return this.pos >= this.text.length ? 'end of input' : JSON.stringify(this.text[this.pos]);
  }

  private expect(char: string, field: string): void {
    this.skipWhitespace();
    if (this.text[this.pos] !== char) this.fail(field, `must be valid JSON (expected '${char}', found ${this.describeNext()} at offset ${this.pos})`);
    this.pos += 1;
  }

  private string(field: string): string {
    const start = this.pos;
    this.pos += 1;
    for (;;) {
      const char = this.text[this.pos];
      if (char === undefined) this.fail(field, 'must be valid JSON (unterminated string)');
      if (char === '"') break;
      if (char === '\\') this.pos += 1;
      else if (char < ' ') this.fail(field, `must be valid JSON (control character in a string at offset ${this.pos})`);
      this.pos += 1;
    }
    this.pos += 1;
    try {
      return JSON.parse(this.text.slice(start, this.pos)) as string;
    } catch {
      return this.fail(field, `must be valid JSON (bad escape in the string at offset ${start})`);
    }
  }

  private object(field: string, depth: number): Record<string, unknown> {
    this.pos += 1;
    const result: Record<string, unknown> = {};
    const seen = new Set<string>();
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos += 1;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail(field, `must be valid JSON (expected a key, found ${this.describeNext()} at offset ${this.pos})`);
      const key = this.string(field);
      const child = field === '' ? key : `${field}.${key}`;
      this.expect(':', child);
      this.skipWhitespace();
      const value = this.value(child, depth);
      if (FORBIDDEN_KEYS.includes(key)) this.errors.add(child, 'is a key this API refuses (__proto__, constructor, prototype)');
      else if (seen.has(key)) this.errors.add(child, 'appears twice in one object');
      else if (!isWellFormed(key)) this.errors.add(field, 'has a key that is not well-formed Unicode');
      else Object.defineProperty(result, key, { value, enumerable: true, writable: true, configurable: true });
      seen.add(key);
      this.skipWhitespace();
      if (this.text[this.pos] === ',') {
        this.pos += 1;
        continue;
      }
      this.expect('}', field);
      return result;
    }
  }

  private array(field: string, depth: number): unknown[] {
    this.pos += 1;
    const result: unknown[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos += 1;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      result.push(this.value(`${field}[${result.length}]`, depth));
      this.skipWhitespace();
      if (this.text[this.pos] === ',') {
        this.pos += 1;
        continue;
      }
      this.expect(']', field);
      return result;
    }
  }
}
