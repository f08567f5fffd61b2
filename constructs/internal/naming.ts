import { createHash } from 'crypto';

/**
 * Normalisation for names a construct derives itself (never for names a user
 * gives explicitly, which are validated and left alone).
 */
export interface NormaliseOptions {
  /** Characters allowed besides lowercase letters and digits, e.g. `-` or `-_`. */
  readonly allowedSeparators: string;
  /** Separator that replaces runs of invalid characters. */
  readonly separator: string;
  /** Keep uppercase letters (Lambda names may contain them; bucket names may not). */
  readonly keepCase?: boolean;
}

const HASH_LENGTH = 8;

/** Lowercases (unless asked not to), turns invalid characters into the separator, collapses repeats and trims. */
export function normaliseName(raw: string, options: NormaliseOptions): string {
  const cased = options.keepCase ? raw : raw.toLowerCase();
  const escapedSeparators = options.allowedSeparators.replace(/[-\\^\]]/g, '\\$&');
  const invalid = new RegExp(`[^${options.keepCase ? 'A-Za-z' : 'a-z'}0-9${escapedSeparators}]+`, 'g');
  const separatorRun = new RegExp(`[${escapedSeparators}]{2,}`, 'g');
  const edges = new RegExp(`^[${escapedSeparators}]+|[${escapedSeparators}]+$`, 'g');
  return cased.replace(invalid, options.separator).replace(separatorRun, options.separator).replace(edges, '');
}

/** Short, stable hash of `input`: keeps two long names distinct after truncation. */
export function shortHash(input: string): string {
  return createHash('sha256').update(input).digest('hex').slice(0, HASH_LENGTH);
}

/**
 * Fits a normalised name into `maxLength` characters. A name that is too long
 * keeps its start and gets `<separator><hash of the full name>`, so two long
 * names that share a prefix still differ.
 */
export function fitName(name: string, maxLength: number, separator: string): string {
  if (name.length <= maxLength) {
    return name;
  }
  const hash = shortHash(name);
  const keep = maxLength - HASH_LENGTH - separator.length;
  const head = name.slice(0, keep).replace(/[^a-zA-Z0-9]+$/, '');
  return `${head}${separator}${hash}`;
}

/**
 * The name a construct derives for its resource: `<stack name>-<construct id>`,
 * normalised (case kept; only letters, digits and `allowedSeparators`) and
 * fitted to `maxLength` with a hash when too long.
 */
export function deriveResourceName(stackName: string, id: string, maxLength: number, allowedSeparators = '-_'): string {
  return fitName(normaliseName(`${stackName}-${id}`, { allowedSeparators, separator: '-', keepCase: true }), maxLength, '-');
}
