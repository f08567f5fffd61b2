import { FieldErrors } from './json-input';

/**
 * A schema small enough to read at a glance, with the two things this
 * service needs from one: checking a parsed value (every error, bounded) and
 * the same rules as JSON Schema draft-04 (what API Gateway models use).
 *
 * Hand-written rather than a library, by measure (this repo's esbuild
 * settings, bundling.ts: minified, node22; these three job schemas): `zod` 4
 * adds 454 KB to a bundle (the budget is 50 KB), `zod/mini` 15.9 KB, valibot
 * 7.2 KB and 20.6 KB with its JSON Schema converter, which cannot translate
 * the custom number rule. This module and json-input.ts (which checks what
 * no schema library does: number exactness, depth, keys, while parsing)
 * together are 7.4 KB minified.
 *
 * Objects are closed (no unknown keys) and every property is required unless
 * listed as optional. Lengths count Unicode code points, as JSON Schema does.
 */
export type Schema = StringSchema | NumberSchema | ArraySchema | ObjectSchema;

export interface StringSchema {
  readonly kind: 'string';
  readonly minLength?: number;
  readonly maxLength: number;
}

export interface NumberSchema {
  readonly kind: 'number';
  /** Largest magnitude accepted (both signs). */
  readonly maxMagnitude: number;
  /** Smallest non-zero magnitude accepted; 0 is always accepted. */
  readonly minNonZeroMagnitude: number;
}

export interface ArraySchema {
  readonly kind: 'array';
  readonly items: Schema;
  readonly minItems: number;
  readonly maxItems: number;
}

export interface ObjectSchema {
  readonly kind: 'object';
  readonly properties: Readonly<Record<string, Schema>>;
  readonly optional?: readonly string[];
}

function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Adds every way `value` breaks `schema` to `errors`, naming fields from `field`. */
export function check(schema: Schema, value: unknown, field: string, errors: FieldErrors): void {
  switch (schema.kind) {
    case 'string': {
      const min = schema.minLength ?? 0;
      const range = min > 0 ? `${min} to ${schema.maxLength}` : `at most ${schema.maxLength}`;
      if (typeof value !== 'string') errors.add(field, `must be a string of ${range} characters`);
      else {
        const length = codePoints(value);
        if (length < min || length > schema.maxLength) errors.add(field, `must be a string of ${range} characters (it has ${length})`);
      }
      return;
    }
    case 'number': {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        Math.abs(value) <= schema.maxMagnitude &&
        (value === 0 || Math.abs(value) >= schema.minNonZeroMagnitude);
      if (!ok) errors.add(field, `must be a number: 0, or from ${schema.minNonZeroMagnitude} to ${schema.maxMagnitude} in magnitude`);
      return;
    }
    case 'array': {
      if (!Array.isArray(value) || value.length < schema.minItems || value.length > schema.maxItems) {
        errors.add(field, `must be an array of ${schema.minItems} to ${schema.maxItems} items`);
        return;
      }
      value.forEach((item, i) => check(schema.items, item, `${field}[${i}]`, errors));
      return;
    }
    case 'object': {
      if (!isPlainObject(value)) {
        errors.add(field, 'must be an object');
        return;
      }
      const optional = schema.optional ?? [];
      for (const [name, propertySchema] of Object.entries(schema.properties)) {
        const child = field === '' ? name : `${field}.${name}`;
        if (Object.prototype.hasOwnProperty.call(value, name)) check(propertySchema, value[name], child, errors);
        else if (!optional.includes(name)) errors.add(child, 'is required');
      }
      for (const name of Object.keys(value)) {
        if (!Object.prototype.hasOwnProperty.call(schema.properties, name)) errors.add(field === '' ? name : `${field}.${name}`, 'is not a known field');
      }
      return;
    }
  }
}

/** The same rules as JSON Schema (draft-04 keywords only). */
export function toJsonSchema(schema: Schema): Record<string, unknown> {
  switch (schema.kind) {
    case 'string':
      return { type: 'string', ...(schema.minLength ? { minLength: schema.minLength } : {}), maxLength: schema.maxLength };
    case 'number':
      return {
        type: 'number',
        anyOf: [
          { enum: [0] },
          { minimum: schema.minNonZeroMagnitude, maximum: schema.maxMagnitude },
          { minimum: -schema.maxMagnitude, maximum: -schema.minNonZeroMagnitude },
        ],
      };
    case 'array':
      return { type: 'array', items: toJsonSchema(schema.items), minItems: schema.minItems, maxItems: schema.maxItems };
    case 'object': {
      const optional = schema.optional ?? [];
      const required = Object.keys(schema.properties).filter((name) => !optional.includes(name));
      return {
        type: 'object',
        properties: Object.fromEntries(Object.entries(schema.properties).map(([name, s]) => [name, toJsonSchema(s)])),
        ...(required.length > 0 ? { required } : {}),
        additionalProperties: false,
      };
    }
  }
}
