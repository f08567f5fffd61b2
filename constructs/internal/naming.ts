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

export const HASH_LENGTH = 8;

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
  const head = name.slice(0, Math.max(0, keep)).replace(/[^a-zA-Z0-9]+$/, '');
  return head.length > 0 ? `${head}${separator}${hash}` : hash;
}

/**
 * Characters that only separate words in a construct id or stack name. Every
 * other character that a service refuses (non-ASCII letters, punctuation) is
 * information that normalisation loses, so the derived name then carries a
 * hash of the input to stay distinct (see {@link deriveName}).
 */
const WORD_SEPARATORS = /[-_./ :]/g;

/**
 * The form under which two inputs are "the same name to a reader" and to the
 * collision check: case folded, separator runs collapsed to one `-`, trimmed.
 * `Fn.A`, `fn-a` and `FN_A` share it.
 */
export function caseAndSeparatorForm(raw: string): string {
  return raw
    .toLowerCase()
    .replace(WORD_SEPARATORS, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** What a derived name of one resource type must satisfy (read from its rule table, see name-rules.ts). */
export interface DerivationSpec {
  /** Lowercase the name (S3 bucket names); otherwise case is kept. */
  readonly lowercase: boolean;
  /** Separators kept in derived names besides letters and digits; `-` joins the parts. */
  readonly keep: string;
  readonly minLength: number;
  readonly maxLength: number;
  readonly reservedPrefixes: readonly string[];
  readonly reservedSuffixes: readonly string[];
}

/** The deploy-time end of a derived name (a bucket's `-<account id>-<region>`), at its longest. */
export interface DeployTimeSuffix {
  /** A literal of the longest shape, used to check the whole name at synth. */
  readonly sample: string;
}

/**
 * Derives a name from literal `parts` (stack name, construct ids...) that
 * satisfies `spec` by construction:
 * - each part normalised (invalid characters to `-`, repeats collapsed, trimmed);
 * - a short hash of `hashSeed` (the construct path) appended when
 *   normalisation lost information (a non-ASCII or punctuation character) or
 *   left a part empty, so `日本` and `中国` do not both become `` and the name is never empty;
 * - the same hash appended when the name would be shorter than the minimum;
 * - the hash prepended when it would start with a reserved prefix (`sthree-`;
 *   a hex hash starts none of them), and appended when it would end with a
 *   reserved suffix;
 * - cut to fit `maxLength` (less the deploy-time suffix) with a hash of the whole.
 *
 * Two distinct inputs derive the same name only when their
 * {@link caseAndSeparatorForm}s are equal (ids differing by case or separators),
 * which the collision check refuses at synth; hashes aside.
 */
export function deriveName(spec: DerivationSpec, parts: readonly string[], hashSeed: string, suffix?: DeployTimeSuffix): string {
  const separator = '-';
  const options: NormaliseOptions = { allowedSeparators: spec.keep.includes('-') ? spec.keep : `-${spec.keep}`, separator, keepCase: !spec.lowercase };
  const normalised = parts.map((part) => normaliseName(part, options));
  const lostInformation = parts.some((part, i) => normalised[i].length === 0 || /[^A-Za-z0-9]/.test(part.replace(WORD_SEPARATORS, '')));
  const hash = shortHash([hashSeed, ...parts].join('\u0000'));
  const sampleSuffix = suffix?.sample ?? '';

  let name = normalised.filter((part) => part.length > 0).join(separator);
  if (lostInformation || name.length + sampleSuffix.length < spec.minLength) {
    name = name.length > 0 ? `${name}${separator}${hash}` : hash;
  }
  const startsReserved = (candidate: string) =>
    spec.reservedPrefixes.some((prefix) => `${candidate}${sampleSuffix}`.toLowerCase().startsWith(prefix.toLowerCase()));
  if (startsReserved(name)) {
    name = `${hash}${separator}${name}`;
  }
  name = fitName(name, spec.maxLength - sampleSuffix.length, separator);
  const endsReserved = spec.reservedSuffixes.some((end) => `${name}${sampleSuffix}`.toLowerCase().endsWith(end.toLowerCase()));
  if (endsReserved) {
    name = fitName(`${name}${separator}${hash}`, spec.maxLength - sampleSuffix.length, separator);
  }
  return name;
}
