/**
 * The resources of a deployment document, read once for every check: each
 * resource and data source of every stack with its address, construct path,
 * deployment target and instances. Pure: no cdktf (see deployment-document.ts).
 */
import { DeploymentDocument, ResourceRef, StackDocument } from '../deployment-document';
import { DeploymentTarget, UNKNOWN, blocksOf, isLiteralText, providerTargetsOf, targetOfResource } from '../deployment-target';

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One instance of a resource: what `count.index`, `each.key` and `each.value` stand for in its arguments. */
export interface Instance {
  /** `[0]`, `["a"]`, or '' for a resource without count or for_each. */
  readonly suffix: string;
  readonly bindings: ReadonlyMap<string, string | number>;
}

/** A resource (or data source) of one stack, as the checks read it. */
export interface ResourceEntry extends ResourceRef {
  readonly stackDoc: StackDocument;
  readonly kind: 'resource' | 'data';
  readonly type: string;
  readonly name: string;
  readonly config: JsonObject;
  readonly target: DeploymentTarget;
  /**
   * The instances Terraform will create: one for a plain resource, one per
   * literal `count` or `for_each` element; `{ deployTime }` when the multiplicity
   * is known only at deploy time (its Terraform expression).
   */
  readonly instances: readonly Instance[] | { readonly deployTime: string };
}

/** A resource's place for messages: its construct path when recorded, else its address. */
export function whereOf(ref: ResourceRef): string {
  return ref.constructPath ?? `${ref.stack}/${ref.address}`;
}

export function refOf(entry: ResourceEntry): ResourceRef {
  return { stack: entry.stack, address: entry.address, ...(entry.constructPath ? { constructPath: entry.constructPath } : {}) };
}

/** The construct path cdktf records in `"//".metadata.path`. */
function constructPathOf(config: JsonObject): string | undefined {
  const comment = config['//'];
  const metadata = isObject(comment) ? comment.metadata : undefined;
  const path = isObject(metadata) ? metadata.path : undefined;
  return typeof path === 'string' && path !== '' ? path : undefined;
}

/** The expression inside a value that is exactly one interpolation (`${var.n}` -> `var.n`), else undefined. */
export function soleInterpolation(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /^\$\{([\s\S]*)\}$/.exec(value);
  if (!match || !balancedInterpolation(match[1])) return undefined;
  return match[1].trim();
}

/** True when `inner` closes no interpolation early (`${a}-${b}` is two, not one). */
function balancedInterpolation(inner: string): boolean {
  let depth = 0;
  let quote = false;
  for (let i = 0; i < inner.length; i += 1) {
    const c = inner[i];
    if (quote) {
      if (c === '\\') i += 1;
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if (c === '{') depth += 1;
    else if (c === '}') {
      depth -= 1;
      if (depth < 0) return false;
    }
  }
  return depth === 0;
}

/** A whole number written as a number or as digits. */
export function literalInteger(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value === 'string' && /^-?[0-9]{1,15}$/.test(value)) return Number(value);
  return undefined;
}

/**
 * The keys and values of a literal `for_each`: a JSON object, a JSON list, or `${toset([...])}` / `${[...]}` of literals.
 * A map's literal keys are its instances whatever its values; a value that is not a literal string or number is left unbound.
 */
function literalForEach(value: unknown): [string, unknown][] | undefined {
  if (isObject(value)) {
    if (Object.keys(value).some((k) => !isLiteralText(k))) return undefined;
    return Object.entries(value);
  }
  let list: unknown = value;
  const expression = soleInterpolation(value);
  if (expression !== undefined) {
    const inner = /^(?:toset\(\s*)?(\[[\s\S]*\])(?:\s*\))?$/.exec(expression)?.[1];
    if (inner === undefined) return undefined;
    try {
      list = JSON.parse(inner);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(list) || !list.every((v): v is string => typeof v === 'string')) return undefined;
  return [...new Set(list)].map((v) => [v, v]);
}

const literalScalar = (v: unknown): v is string | number => (typeof v === 'string' && isLiteralText(v)) || typeof v === 'number';

/**
 * What `each.key` and `each.value` stand for in one instance: a literal value, and each literal
 * attribute of an object value (`each.value.rc`, `each.value["rc"]`: what cdktf's
 * `TerraformIterator.fromMap(...).getNumber('rc')` writes). Anything else is left unbound.
 */
function eachBindings(key: string, value: unknown): Map<string, string | number> {
  const bindings = new Map<string, string | number>([['each.key', key]]);
  if (literalScalar(value)) bindings.set('each.value', value);
  else if (isObject(value)) {
    for (const [attribute, v] of Object.entries(value)) {
      if (!literalScalar(v)) continue;
      if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(attribute)) bindings.set(`each.value.${attribute}`, v);
      bindings.set(`each.value[${JSON.stringify(attribute)}]`, v);
    }
  }
  return bindings;
}

/** The instances of a resource from its `count` and `for_each` (see {@link ResourceEntry.instances}). */
export function instancesOf(config: JsonObject): ResourceEntry['instances'] {
  if (config.count !== undefined && config.count !== null) {
    const count = literalInteger(config.count);
    if (count === undefined) return { deployTime: soleInterpolation(config.count) ?? JSON.stringify(config.count) };
    return Array.from({ length: Math.max(0, count) }, (_, index) => ({ suffix: `[${index}]`, bindings: new Map([['count.index', index]]) }));
  }
  if (config.for_each !== undefined && config.for_each !== null) {
    const entries = literalForEach(config.for_each);
    if (entries === undefined) return { deployTime: `length(${soleInterpolation(config.for_each) ?? JSON.stringify(config.for_each)})` };
    return entries.map(([key, value]) => ({ suffix: `[${JSON.stringify(key)}]`, bindings: eachBindings(key, value) }));
  }
  return [{ suffix: '', bindings: new Map() }];
}

/** The number of instances, or the Terraform expression of it. */
export function multiplicityOf(entry: ResourceEntry): number | { deployTime: string } {
  return 'deployTime' in entry.instances ? { deployTime: entry.instances.deployTime } : entry.instances.length;
}

function entriesOfKind(stackDoc: StackDocument, kind: 'resource' | 'data'): ResourceEntry[] {
  const json = stackDoc.json;
  const section = json[kind];
  if (!isObject(section)) return [];
  const providers = providerTargetsOf(json);
  const entries: ResourceEntry[] = [];
  for (const [type, instances] of Object.entries(section)) {
    if (!isObject(instances)) continue;
    for (const [name, raw] of Object.entries(instances)) {
      // Hand-written JSON may give a block as a one-element list.
      const config = blocksOf(raw)[0];
      if (!config) continue;
      const address = kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
      const constructPath = constructPathOf(config);
      entries.push({
        stack: stackDoc.name,
        stackDoc,
        address,
        ...(constructPath ? { constructPath } : {}),
        kind,
        type,
        name,
        config,
        target: targetOfResource(json, config, providers),
        instances: instancesOf(config),
      });
    }
  }
  return entries;
}

/** Every resource and data source of the document, read once. */
export class DocumentIndex {
  public readonly resources: readonly ResourceEntry[];
  public readonly data: readonly ResourceEntry[];
  private readonly byAddress = new Map<string, ResourceEntry>();

  constructor(public readonly document: DeploymentDocument) {
    this.resources = document.stacks.flatMap((stack) => entriesOfKind(stack, 'resource'));
    this.data = document.stacks.flatMap((stack) => entriesOfKind(stack, 'data'));
    for (const entry of [...this.resources, ...this.data]) this.byAddress.set(`${entry.stack}\u0000${entry.address}`, entry);
  }

  public ofType(type: string): ResourceEntry[] {
    return this.resources.filter((r) => r.type === type);
  }

  public dataOfType(type: string): ResourceEntry[] {
    return this.data.filter((r) => r.type === type);
  }

  /** The resource or data source at `address` (`aws_iam_role.x`, `data.aws_iam_policy_document.y`) in `stack`. */
  public find(stack: string, address: string): ResourceEntry | undefined {
    return this.byAddress.get(`${stack}\u0000${address}`);
  }

  /** The literal value of a local of a stack, or undefined. */
  public local(stack: StackDocument, name: string): unknown {
    const locals = stack.json.locals;
    return isObject(locals) ? locals[name] : undefined;
  }
}

/** The `"//".guards` object a stack or resource carries, if any. */
export function guardsOf(config: JsonObject): JsonObject | undefined {
  const comment = config['//'];
  const guards = isObject(comment) ? comment.guards : undefined;
  return isObject(guards) ? guards : undefined;
}

/** The error messages of a resource's `lifecycle.precondition` blocks, with their conditions. */
export function preconditionsOf(config: JsonObject): { condition: string; message: string }[] {
  return blocksOf(config.lifecycle)
    .flatMap((lifecycle) => blocksOf(lifecycle.precondition))
    .map((p) => ({ condition: typeof p.condition === 'string' ? p.condition : '', message: typeof p.error_message === 'string' ? p.error_message : '' }));
}

export { isLiteralText };

/**
 * What synth knows of an expression inside one instance of a resource: its
 * `count.index` / `each.*`, a literal local of its stack, the account of
 * `data.aws_caller_identity` and the region of `data.aws_region` when their
 * provider pins them, and (in a plan) any literal attribute of a data source.
 */
export function resolverFor(index: DocumentIndex, entry: ResourceEntry, instance?: Instance): (expression: string) => string | number | undefined {
  return (expression) => {
    const bound = instance?.bindings.get(expression);
    if (bound !== undefined) return bound;
    const local = /^local\.([A-Za-z0-9_-]+)$/.exec(expression)?.[1];
    if (local !== undefined) {
      const value = index.local(entry.stackDoc, local);
      return typeof value === 'string' || typeof value === 'number' ? value : undefined;
    }
    const data = /^data\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)$/.exec(expression);
    if (!data) return undefined;
    const [, type, name, attribute] = data;
    const source = index.find(entry.stack, `data.${type}.${name}`);
    if (!source) return undefined;
    const read = source.config[attribute];
    if ((typeof read === 'string' && isLiteralText(read)) || typeof read === 'number') return read;
    const { accounts, region } = source.target;
    if (type === 'aws_caller_identity' && attribute === 'account_id' && accounts !== UNKNOWN && accounts.length === 1) return accounts[0];
    if (type === 'aws_region' && ['name', 'region', 'id'].includes(attribute) && region !== UNKNOWN) return region;
    return undefined;
  };
}
