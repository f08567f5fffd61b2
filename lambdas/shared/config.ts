/**
 * Reads required configuration once, at cold start, and fails fast with a
 * message that names what is missing (instead of a vague SDK error later).
 */
export function requireEnv<const K extends string>(...names: K[]): Readonly<Record<K, string>> {
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    throw new Error(`Missing required environment variable(s): ${missing.join(', ')}. Set them in the function's configuration.`);
  }
  return Object.fromEntries(names.map((name) => [name, process.env[name] as string])) as Record<K, string>;
}
