/**
 * A Terraform plan (`terraform show -json <planfile>`) rewritten into the shape
 * the deployment checks read (see deployment-document.ts): one stack per module
 * instance, one entry per resource instance, the planned values as arguments.
 * Pure: JSON in, JSON out, no terraform.
 *
 * What a plan tells and cdk.tf.json does not: every value Terraform knows
 * before apply, resolved (variables, locals, functions, `count`, `for_each`,
 * data sources read at plan). What it does not: values known only after apply.
 * Those become a `${...}` string: the configuration's first reference when the
 * argument has one (`role_arn = aws_iam_role.r.arn` gives `${aws_iam_role.r.arn}`,
 * so a check can follow it to the role), else the argument's own address; an
 * attribute the configuration does not set (an `arn`, an `id`) is left out.
 * A module's stack carries its outputs the same way (`output.arn.value =
 * "${aws_iam_role.r.arn}"`), so `module.X.arn` can be followed into it.
 */
import { GuardValidationError } from '../guard-validation-error';
import { DeploymentDocument, StackDocument } from './deployment-document';
import { ACCOUNT_ID, accountOfRoleArn } from './deployment-target';

type Json = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` looks like the JSON of `terraform show -json <planfile>` (not of a state, not of a configuration). */
export function isTerraformPlan(value: unknown): value is Json {
  return isObject(value) && typeof value.format_version === 'string' && isObject(value.planned_values);
}

/**
 * The deepest nesting of arrays and objects read: Terraform's values go a few
 * dozen levels deep at most, and the conversion and the checks recurse, so a
 * deeper document is refused with a reason rather than overflowing the stack.
 */
export const MAX_NESTING_DEPTH = 100;

/** How deep arrays and objects nest in `value` (a scalar is 0); counted without recursion, stopping past `limit`. */
export function nestingDepth(value: unknown, limit = MAX_NESTING_DEPTH): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 0]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    deepest = Math.max(deepest, depth + 1);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return deepest;
}

/** One resource instance as a plan's `resource_changes` or `prior_state` lists it. */
interface PlannedInstance {
  readonly moduleAddress: string;
  readonly mode: 'managed' | 'data';
  readonly type: string;
  /** `name`, `name[0]` or `name["key"]`: the address within its module. */
  readonly key: string;
  /** The resource's address within its module, without instance key: where its configuration is. */
  readonly configAddress: string;
  readonly values: unknown;
  readonly unknown: unknown;
}

function instanceKey(name: string, index: unknown): string {
  if (typeof index === 'number') return `${name}[${index}]`;
  if (typeof index === 'string') return `${name}[${JSON.stringify(index)}]`;
  return name;
}

function plannedInstance(raw: Json, moduleAddress: string, values: unknown, unknown: unknown): PlannedInstance | undefined {
  const { mode, type, name } = raw;
  if ((mode !== 'managed' && mode !== 'data') || typeof type !== 'string' || typeof name !== 'string') return undefined;
  const prefix = mode === 'data' ? 'data.' : '';
  return { moduleAddress, mode, type, key: instanceKey(name, raw.index), configAddress: `${prefix}${type}.${name}`, values, unknown };
}

/** Data sources read at plan: in `prior_state`, by module. */
function dataReadAtPlan(module: unknown, out: PlannedInstance[]): void {
  if (!isObject(module)) return;
  const moduleAddress = typeof module.address === 'string' ? module.address : '';
  for (const raw of Array.isArray(module.resources) ? module.resources : []) {
    if (!isObject(raw) || raw.mode !== 'data') continue;
    const instance = plannedInstance(raw, moduleAddress, raw.values, {});
    if (instance) out.push(instance);
  }
  for (const child of Array.isArray(module.child_modules) ? module.child_modules : []) dataReadAtPlan(child, out);
}

/** Every resource instance the plan leaves deployed (a resource only being destroyed is not), and every data source. */
function plannedInstances(plan: Json): PlannedInstance[] {
  const byAddress = new Map<string, PlannedInstance>();
  const read: PlannedInstance[] = [];
  dataReadAtPlan(isObject(plan.prior_state) ? plan.prior_state.values && (plan.prior_state.values as Json).root_module : undefined, read);
  for (const instance of read) byAddress.set(`${instance.moduleAddress} ${instance.configAddress} ${instance.key}`, instance);
  const listed = new Set<unknown>();
  for (const raw of Array.isArray(plan.resource_changes) ? plan.resource_changes : []) {
    if (isObject(raw)) listed.add(raw.address);
    if (!isObject(raw) || !isObject(raw.change)) continue;
    const actions = Array.isArray(raw.change.actions) ? raw.change.actions : [];
    if (actions.length === 1 && (actions[0] === 'delete' || actions[0] === 'forget')) continue;
    const moduleAddress = typeof raw.module_address === 'string' ? raw.module_address : '';
    const instance = plannedInstance(raw, moduleAddress, raw.change.after, raw.change.after_unknown);
    if (instance) byAddress.set(`${instance.moduleAddress} ${instance.configAddress} ${instance.key}`, instance);
  }
  const unlisted = managedAddressesOf(isObject(plan.planned_values) ? plan.planned_values.root_module : undefined).filter((address) => !listed.has(address));
  if (unlisted.length > 0) {
    // The checks read resource_changes (it says what is unknown until apply); a resource only in planned_values would pass unseen.
    throw new GuardValidationError('planDocumentOf', 'resource_changes', [
      {
        ruleId: 'plan/resource-changes',
        field: 'resource_changes',
        value: unlisted.slice(0, 3).join(', '),
        requirement: 'list every managed resource that planned_values holds, as terraform show -json writes it',
        fix: 'give the JSON of terraform show -json <planfile> as Terraform wrote it',
      },
    ]);
  }
  return [...byAddress.values()];
}

/** The addresses of every managed resource instance in a `planned_values` module and its children. */
function managedAddressesOf(module: unknown, depth = 0): string[] {
  if (!isObject(module) || depth > MAX_NESTING_DEPTH) return [];
  const own = (Array.isArray(module.resources) ? module.resources : []).filter((r): r is Json => isObject(r) && r.mode === 'managed' && typeof r.address === 'string').map((r) => r.address as string);
  return [...own, ...(Array.isArray(module.child_modules) ? module.child_modules : []).flatMap((child) => managedAddressesOf(child, depth + 1))];
}

/** The configuration of the module at `moduleAddress` (`module.a["x"].module.b`): instance keys do not matter there. */
function moduleConfiguration(plan: Json, moduleAddress: string): Json | undefined {
  let module: unknown = isObject(plan.configuration) ? plan.configuration.root_module : undefined;
  const calls = [...moduleAddress.matchAll(/module\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
  for (const call of calls) {
    const moduleCalls = isObject(module) ? module.module_calls : undefined;
    const next = isObject(moduleCalls) ? moduleCalls[call] : undefined;
    module = isObject(next) ? next.module : undefined;
  }
  return isObject(module) ? module : undefined;
}

function resourceConfiguration(module: Json | undefined, configAddress: string): Json | undefined {
  const resources = module && Array.isArray(module.resources) ? module.resources : [];
  return resources.find((r): r is Json => isObject(r) && r.address === configAddress);
}

/** The value an expression stands for when it is not known: its first reference, else `fallback`. */
function unknownValue(expression: unknown, fallback: string): string {
  const references = isObject(expression) && Array.isArray(expression.references) ? expression.references : [];
  const first = references.find((r): r is string => typeof r === 'string');
  return `\${${first ?? fallback}}`;
}

/**
 * The planned value of one argument with every unknown part written as a
 * `${...}` string. `expression` is the configuration's: `{ constant_value }` or
 * `{ references }` for an argument, a list of such objects for a nested block.
 * Terraform's null (an argument not set) is left out.
 */
function withUnknowns(value: unknown, unknown: unknown, expression: unknown, path: string, depth = 0): unknown {
  if (depth > MAX_NESTING_DEPTH) {
    throw new GuardValidationError('planDocumentOf', path, [
      { ruleId: 'plan/nesting-depth', field: path, value: `deeper than ${MAX_NESTING_DEPTH}`, requirement: `nest at most ${MAX_NESTING_DEPTH} levels deep`, fix: 'give the JSON of terraform show -json <planfile> as Terraform wrote it' },
    ]);
  }
  if (unknown === true) return unknownValue(Array.isArray(expression) ? undefined : expression, path);
  if (Array.isArray(value) || Array.isArray(unknown)) {
    const values = Array.isArray(value) ? value : [];
    const unknowns = Array.isArray(unknown) ? unknown : [];
    return Array.from({ length: Math.max(values.length, unknowns.length) }, (_, i) =>
      withUnknowns(values[i], unknowns[i], Array.isArray(expression) ? expression[i] ?? expression[0] : expression, `${path}[${i}]`, depth + 1),
    ).map((element) => (element === undefined ? `\${${path}}` : element));
  }
  if (isObject(value) || isObject(unknown)) {
    const values = isObject(value) ? value : {};
    const unknowns = isObject(unknown) ? unknown : {};
    // A nested block has an expression per argument; a map argument (tags) has one for the whole map.
    const isBlock = isObject(expression) && !('references' in expression) && !('constant_value' in expression);
    const expressions = isBlock ? expression : {};
    const out: Record<string, unknown> = {};
    for (const key of new Set([...Object.keys(values), ...Object.keys(unknowns)])) {
      // An attribute of a block only the provider sets, and does not know yet, says nothing of the configuration.
      if (isBlock && unknowns[key] === true && expressions[key] === undefined) continue;
      const element = withUnknowns(values[key], unknowns[key], isBlock ? expressions[key] : expression, `${path}.${key}`, depth + 1);
      if (element !== undefined && element !== null) out[key] = element;
    }
    return out;
  }
  return value === null ? undefined : value;
}

/** The arguments of one resource instance: its planned values, unknown parts as `${...}`, and its provider. */
function argumentsOf(instance: PlannedInstance, config: Json | undefined): Json {
  const address = `${instance.mode === 'data' ? 'data.' : ''}${instance.type}.${instance.key}`;
  const values = isObject(instance.values) ? instance.values : {};
  const unknowns = isObject(instance.unknown) ? instance.unknown : {};
  const expressions = config && isObject(config.expressions) ? config.expressions : {};
  const args: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(values), ...Object.keys(unknowns)])) {
    if (unknowns[key] === true && expressions[key] === undefined) continue;
    const value = withUnknowns(values[key], unknowns[key], expressions[key], `${address}.${key}`);
    if (value !== undefined && value !== null) args[key] = value;
  }
  const provider = config && typeof config.provider_config_key === 'string' ? config.provider_config_key.replace(/^.*:/, '') : 'aws';
  if (/^aws\.[A-Za-z0-9_-]+$/.test(provider)) args.provider = provider;
  return args;
}

/**
 * The provider settings the checks read that a plan leaves as an expression, with the shape a whole value
 * of each has. A plan's configuration gives a provider argument only its references (`var.region`), not
 * whether it is that variable alone or a template around it (`"${var.prefix}-1"`): the variable's value is
 * taken only when it has the shape of the whole setting.
 */
const PROVIDER_SETTING_SHAPES: Readonly<Record<string, (value: unknown) => boolean>> = {
  region: (value) => typeof value === 'string' && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(value),
  // The same account and role ARN shapes the checks read (deployment-target.ts).
  allowed_account_ids: (value) => Array.isArray(value) && value.every((id) => typeof id === 'string' && ACCOUNT_ID.test(id)),
  role_arn: (value) => accountOfRoleArn(value) !== undefined,
};

/** The plan's value of a provider setting that is a lone `var.NAME` reference, when it has the setting's shape. */
function variableValue(plan: Json, expression: unknown, name: string): { value: unknown } | undefined {
  const references = isObject(expression) && Array.isArray(expression.references) ? expression.references : [];
  const variable = references.length === 1 && typeof references[0] === 'string' ? /^var\.([A-Za-z_][A-Za-z0-9_-]*)$/.exec(references[0]) : null;
  const variables = isObject(plan.variables) ? plan.variables : {};
  const entry = variable ? variables[variable[1]] : undefined;
  const shape = PROVIDER_SETTING_SHAPES[name];
  return isObject(entry) && 'value' in entry && shape?.(entry.value) ? { value: entry.value } : undefined;
}

/**
 * An AWS provider configuration block from the configuration's expressions: constant values, a
 * setting that is a variable (`region = var.region`) as the variable's value, anything else `${...}`.
 */
function providerBlock(plan: Json, entry: Json): Json {
  const block: Record<string, unknown> = {};
  if (typeof entry.alias === 'string' && entry.alias !== '') block.alias = entry.alias;
  const expressions = isObject(entry.expressions) ? entry.expressions : {};
  const read = (expression: unknown, name: string): unknown => {
    if (Array.isArray(expression)) return expression.map((nested) => (isObject(nested) ? fromExpressions(nested) : undefined)).filter(Boolean);
    if (isObject(expression) && 'constant_value' in expression) return expression.constant_value;
    const variable = variableValue(plan, expression, name);
    if (variable) return variable.value;
    return unknownValue(expression, `provider.aws.${name}`);
  };
  const fromExpressions = (nested: Json): Json => Object.fromEntries(Object.entries(nested).map(([name, expression]) => [name, read(expression, name)]));
  for (const [name, expression] of Object.entries(expressions)) block[name] = read(expression, name);
  return block;
}

/** The AWS provider blocks that configure `moduleAddress`: its own, else the root module's (inherited). */
function providerBlocks(plan: Json, moduleAddress: string): Json[] {
  const configs = isObject(plan.configuration) && isObject(plan.configuration.provider_config) ? plan.configuration.provider_config : {};
  const callPath = [...moduleAddress.matchAll(/module\.([A-Za-z0-9_-]+)/g)].map((m) => `module.${m[1]}`).join('.');
  const entries = Object.entries(configs).filter((e): e is [string, Json] => isObject(e[1]) && e[1].name === 'aws');
  const own = entries.filter(([key]) => callPath !== '' && key.startsWith(`${callPath}:`));
  const root = entries.filter(([key]) => !key.includes(':'));
  return (own.length > 0 ? own : root).map(([, entry]) => providerBlock(plan, entry));
}

/**
 * A module's outputs, each `{ value }` with the output's first reference (`${aws_iam_role.r.arn}`), or its
 * constant: what the module's caller reads as `module.X.<output>`, so a check can follow it into the module's stack.
 */
function moduleOutputs(module: Json | undefined): Record<string, Json> {
  const outputs = module && isObject(module.outputs) ? module.outputs : {};
  const out: Record<string, Json> = {};
  for (const [name, output] of Object.entries(outputs)) {
    const expression = isObject(output) ? output.expression : undefined;
    if (isObject(expression) && 'constant_value' in expression) out[name] = { value: expression.constant_value };
    else if (isObject(expression) && Array.isArray(expression.references)) out[name] = { value: unknownValue(expression, `module output ${name}`) };
  }
  return out;
}

/** Data source types a module inherits from the root module when it reads none itself: where it deploys, its quota. */
const INHERITED_DATA = ['aws_caller_identity', 'aws_servicequotas_service_quota'];

/**
 * The deployment document of a plan. `name` names the root module's stack (the
 * plan file's name); a module instance is the stack `<name>/<module address>`,
 * with the root's AWS provider blocks (and, when it reads none of its own, the
 * root's caller identity and Lambda quota), so its resources are checked
 * against the same account, region and quota, and summed with the root's.
 */
export function planDocumentOf(plan: Json, name: string): DeploymentDocument {
  const modules = new Map<string, { resource: Record<string, Record<string, Json>>; data: Record<string, Record<string, Json>> }>();
  const moduleOf = (address: string) => {
    let module = modules.get(address);
    if (!module) modules.set(address, (module = { resource: {}, data: {} }));
    return module;
  };
  moduleOf('');
  for (const instance of plannedInstances(plan)) {
    const config = resourceConfiguration(moduleConfiguration(plan, instance.moduleAddress), instance.configAddress);
    const section = moduleOf(instance.moduleAddress)[instance.mode === 'data' ? 'data' : 'resource'];
    (section[instance.type] ??= {})[instance.key] = argumentsOf(instance, config);
  }
  const root = modules.get('')!;
  const stacks: StackDocument[] = [...modules.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([moduleAddress, sections]) => {
      const data = { ...sections.data };
      if (moduleAddress !== '') for (const type of INHERITED_DATA) if (!data[type] && root.data[type]) data[type] = root.data[type];
      const json: Record<string, unknown> = { provider: { aws: providerBlocks(plan, moduleAddress) } };
      if (Object.keys(sections.resource).length > 0) json.resource = sections.resource;
      if (Object.keys(data).length > 0) json.data = data;
      const outputs = moduleAddress === '' ? {} : moduleOutputs(moduleConfiguration(plan, moduleAddress));
      if (Object.keys(outputs).length > 0) json.output = outputs;
      return { name: moduleAddress === '' ? name : `${name}/${moduleAddress}`, json };
    });
  return { stacks, valuesResolved: true };
}
