import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import {
  App,
  Aspects,
  IAspect,
  Precondition,
  TerraformDataSource,
  TerraformElement,
  TerraformLocal,
  TerraformOutput,
  TerraformProvider,
  TerraformResource,
  TerraformStack,
  Tokenization,
} from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { LambdaConcurrencyGuard, LambdaConcurrencySettings } from './concurrency-budget';
import { CDKTF_CROSS_STACK } from './cdktf-cross-stack';
import { DeploymentDocument, DeploymentViolation, StackDocument, TerraformJson } from './deployment-document';
import { TYPES_READ, checkDeployment } from './deployment-checks';
import { reservationsOf } from './deployment-checks/concurrency';
import { DocumentIndex, ResourceEntry, soleInterpolation, whereOf } from './deployment-checks/model';
import { GOVERNED_NAMES, NAME_UNIQUE_RULE, UNIQUE_SUFFIX_LENGTH, sharedNameCondition, sharedNames, stackNames } from './deployment-checks/names';
import { namePreconditionsCover } from './deployment-checks/names';
import { LOG_DELIVERY_ROLE_RULE, ROLE_ACCOUNT_RULE, ROLE_ARN_REFERENCE, rolePlanChecks } from './deployment-checks/state-machine-roles';
import { hclExpressionOf, segmentsOf } from './deployment-checks/template';
import { hclCondition, hclStringLiteral } from './name-rule-tables';
import { setGuardPreconditions, templateLiteral } from './guard-preconditions';
import { accountIdOf } from './stack-context';
import { resolveForSynth } from './synthesized';
import { formatViolations } from './validation';

/**
 * Where the deployment check runs in a cdktf app: on the final tree, as a
 * validation, once per app. `app.synth()` (and so `cdktf synth`) runs the App's
 * validation after every stack's aspects; `Testing.synth(stack, true)` and
 * `Testing.fullSynth` run a stack's own, which reports what involves that
 * stack. Each stack also gets an aspect writing the plan-time preconditions
 * for what synth cannot know (deploy-time names, reservations, roles).
 * `new App({ skipValidation: true })` turns the synth-time check off.
 */

const CHECKS_ID = 'DeploymentChecks';
/** How the preconditions this module writes begin, so a second synth can tell them from others. */
const MESSAGE_PREFIX = 'Deployment check at ';
const hookedApps = new WeakSet<IConstruct>();
/** Apps inside `app.synth()`: their stacks' validations leave the check to the App's, which runs once on the final tree. */
const synthesizing = new WeakSet<IConstruct>();

/** Every stack under `root`, in tree order (a stack is not searched for stacks). */
export function stacksOf(root: IConstruct): TerraformStack[] {
  const stacks: TerraformStack[] = [];
  const visit = (node: IConstruct) => {
    for (const child of node.node.children) {
      if (TerraformStack.isStack(child)) stacks.push(child);
      else visit(child);
    }
  };
  if (TerraformStack.isStack(root)) stacks.push(root);
  else visit(root);
  return stacks;
}

/**
 * Which elements of a stack a document needs: all of them (`stack.toTerraform()`), those of the
 * types the checks read, those the plan-time preconditions need (names, functions, state machines),
 * or the functions alone. Locals, resolved last, only when something read refers to them.
 */
export type DocumentScope = 'all' | 'read-by-checks' | 'plan-checks' | 'functions';

/** What the plan-time preconditions read: named resources, functions, state machines, and the account and region data sources. */
const PLAN_CHECK_TYPES = {
  resource: new Set([...GOVERNED_NAMES.keys(), 'aws_lambda_function', 'aws_sfn_state_machine']),
  data: new Set(['aws_caller_identity', 'aws_region']),
};

/** Policies are read for state machines' roles only: resolved in a second pass, when the stack has a state machine. */
const POLICY_TYPES = new Set(['aws_iam_role_policy', 'aws_iam_role_policy_attachment', 'aws_iam_policy_attachment', 'aws_iam_policy', 'aws_iam_policy_document']);

/** The outputs cdktf adds to a stack another stack refers to (a state machine's role_arn may read one). */
const isCrossStackOutput = (element: TerraformElement) => element instanceof TerraformOutput && element.node.id.startsWith(CDKTF_CROSS_STACK.outputPrefix);

function wanted(element: TerraformElement, scope: Exclude<DocumentScope, 'all'>): boolean {
  if (element instanceof TerraformProvider || element instanceof TerraformLocal) return true;
  if (isCrossStackOutput(element)) return scope === 'read-by-checks';
  const types = scope === 'plan-checks' ? PLAN_CHECK_TYPES : TYPES_READ;
  if (element instanceof TerraformDataSource) return scope !== 'functions' && types.data.has(element.terraformResourceType);
  if (!TerraformResource.isTerraformResource(element)) return false;
  return scope === 'functions' ? element.terraformResourceType === 'aws_lambda_function' : types.resource.has(element.terraformResourceType);
}

/** cdktf's merge of synthesized fragments and overrides: objects merged, lists appended, `undefined` removes, tokens kept whole. */
function mergeInto(target: Record<string, unknown>, source: unknown): void {
  if (typeof source !== 'object' || source === null || Array.isArray(source)) return;
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (value === undefined) delete target[key];
    else if (typeof value === 'object' && value !== null && !Array.isArray(value) && !Tokenization.isResolvable(value)) {
      if (typeof current !== 'object' || current === null || Array.isArray(current)) target[key] = {};
      mergeInto(target[key] as Record<string, unknown>, value);
    } else if (Array.isArray(value) && Array.isArray(current)) target[key] = [...(current as unknown[]), ...(value as unknown[])];
    else target[key] = value;
  }
}

/**
 * One stack's Terraform JSON as synth writes it (`stack.toTerraform()`), or,
 * for speed, only the elements `scope` asks for (stack overrides always); its policies
 * only when it has a state machine or `policiesToo` (another stack's state machine may run as its role).
 */
export function stackJsonOf(stack: TerraformStack, scope: DocumentScope = 'all', policiesToo = false): TerraformJson {
  if (scope === 'all') return stack.toTerraform() as TerraformJson;
  const fragments: Record<string, unknown> = {};
  const locals = new Map<string, TerraformLocal>();
  const policies: TerraformElement[] = [];
  for (const element of stack.node.findAll()) {
    if (!(element instanceof TerraformElement) || TerraformStack.of(element) !== stack || !wanted(element, scope)) continue;
    if (element instanceof TerraformLocal) locals.set(element.friendlyUniqueId, element);
    else if (POLICY_TYPES.has((element as TerraformResource).terraformResourceType)) policies.push(element);
    else mergeInto(fragments, element.toTerraform());
  }
  // Resources and settings written as stack overrides (`stack.addOverride('resource.…')`, the declared quota).
  mergeInto(fragments, (stack as unknown as { rawOverrides: unknown }).rawOverrides);
  // One resolution per pass, as cdktf's own synth does; then the policies if a state machine may need
  // them, and the locals what was read refers to (a definition or an OpenAPI body only if a checked value reads it).
  const json = resolveForSynth(stack, fragments) as Record<string, unknown>;
  const resources = json.resource as Record<string, unknown> | undefined;
  if (policies.length > 0 && (resources?.aws_sfn_state_machine !== undefined || policiesToo)) {
    const more: Record<string, unknown> = {};
    for (const policy of policies) mergeInto(more, policy.toTerraform());
    mergeInto(json, resolveForSynth(stack, more));
  }
  let pending = referencedLocals(json, locals);
  while (pending.length > 0) {
    const more: Record<string, unknown> = {};
    for (const local of pending) {
      mergeInto(more, local.toTerraform());
      locals.delete(local.friendlyUniqueId);
    }
    const resolved = resolveForSynth(stack, more) as Record<string, unknown>;
    mergeInto(json, resolved);
    pending = referencedLocals(resolved, locals);
  }
  return json;
}

/** The locals of `candidates` that `json` refers to (`local.<id>`). */
function referencedLocals(json: unknown, candidates: ReadonlyMap<string, TerraformLocal>): TerraformLocal[] {
  if (candidates.size === 0) return [];
  const names = new Set([...JSON.stringify(json).matchAll(/\blocal\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]));
  return [...names].flatMap((name) => {
    const local = candidates.get(name);
    return local ? [local] : [];
  });
}

/** The deployment document of the app holding `scope`, reading of each stack what `scopeOf` asks for. */
export function documentOf(scope: IConstruct, scopeOf: (stack: TerraformStack) => DocumentScope): DeploymentDocument {
  const all = stacksOf(scope.node.root);
  const crossStackOutputs = (stack: TerraformStack) => stack.node.children.filter((c) => isCrossStackOutput(c as TerraformElement)).length;
  const before = all.map(crossStackOutputs);
  const stacks: StackDocument[] = all.map((stack) => ({ name: stack.node.path, json: stackJsonOf(stack, scopeOf(stack)) }));
  // A state machine may run as a role of another stack: that stack's policies are read too. Resolving a stack that
  // refers to another creates that stack's cross-stack output, so a stack read before then is read again.
  const rolesElsewhere = stacks.some(({ json }) => runsAsRoleElsewhere(json));
  all.forEach((stack, i) => {
    const scope = scopeOf(stack);
    const policiesToo = rolesElsewhere && scope === 'read-by-checks' && !hasResourceOfType(stacks[i].json, 'aws_sfn_state_machine') && hasResourceOfType(stacks[i].json, 'aws_iam_role');
    if (policiesToo || crossStackOutputs(stack) !== before[i]) stacks[i] = { name: stack.node.path, json: stackJsonOf(stack, scope, policiesToo) };
  });
  return { stacks, valuesResolved: false };
}

function hasResourceOfType(json: TerraformJson, type: string): boolean {
  const resources = json.resource as Record<string, unknown> | undefined;
  return resources?.[type] !== undefined;
}

/** Whether a state machine of the stack names a role its stack does not declare (a cross-stack reference, prepared or not). */
function runsAsRoleElsewhere(json: TerraformJson): boolean {
  const resources = json.resource as Record<string, Record<string, { role_arn?: unknown }> | undefined> | undefined;
  return Object.values(resources?.aws_sfn_state_machine ?? {}).some(({ role_arn: roleArn }) => {
    const expression = typeof roleArn === 'string' ? soleInterpolation(roleArn) : undefined;
    if (expression === undefined) return false;
    if (expression.startsWith('data.terraform_remote_state.')) return true;
    const role = ROLE_ARN_REFERENCE.exec(expression);
    return role !== null && resources?.aws_iam_role?.[role[2]] === undefined;
  });
}

/**
 * The deployment document of the app holding `scope`: each stack's Terraform
 * JSON as synth writes it (`cdk.tf.json`), for {@link checkDeployment} or a test.
 */
export function deploymentDocumentOf(scope: IConstruct): DeploymentDocument {
  return documentOf(scope, () => 'all');
}

/**
 * `aws_s3_bucket.Plain at 'TapStack/Plain' has 1 problem: ...`, one block per
 * resource; `withStack` puts the stack first (cdktf prefixes a stack's own
 * validation messages with it, not the App's).
 */
export function formatForSynth(violations: readonly DeploymentViolation[], withStack = false): string[] {
  const byResource = new Map<string, DeploymentViolation[]>();
  for (const v of violations) {
    const key = `${v.stack}\u0000${v.address}`;
    byResource.set(key, [...(byResource.get(key) ?? []), v]);
  }
  return [...byResource.values()].map(
    (group) =>
      (withStack ? `[${group[0].stack}] ` : '') +
      formatViolations(
      group[0].address,
      group[0].constructPath ?? group[0].stack,
        group.map(({ ruleId, field, value, requirement, fix }) => ({ ruleId, field, value, requirement, fix })),
      ),
  );
}

function involves(v: DeploymentViolation, stack: string): boolean {
  return v.stack === stack || (v.alsoInvolves ?? []).some((r) => r.stack === stack);
}

/**
 * Installs the deployment check on the app holding `scope`, once: a
 * validation of the whole app's final JSON, and per stack (the stack of
 * `scope` and every stack of the app at the time of the call; stacks synthesized
 * after one that has it get it too) a validation of what involves that stack
 * and the plan-time preconditions. Every guard construct calls it; an app made
 * only of plain provider resources calls it once, after creating its stacks.
 *
 * @example
 * const app = new App();
 * const stack = new TerraformStack(app, 'Raw');
 * new S3Bucket(stack, 'Data', { bucket: 'my-data' });
 * installDeploymentChecks(app);
 * app.synth();
 */
export function installDeploymentChecks(scope: IConstruct): void {
  const root = scope.node.root;
  if (App.isApp(root) && !hookedApps.has(root)) hookApp(root);
  const stacks = stacksOf(root);
  const own = scope.node.scopes.find((s): s is TerraformStack => TerraformStack.isStack(s));
  for (const stack of own && !stacks.includes(own) ? [...stacks, own] : stacks) DeploymentChecks.on(stack);
}

function hookApp(app: App): void {
  hookedApps.add(app);
  app.node.addValidation({ validate: () => formatForSynth(checkDeployment(documentOf(app, () => 'read-by-checks')), true) });
  // app.synth() synthesizes stack after stack, then validates the App: the check then runs once, on the
  // final tree, instead of once per stack on stacks whose aspects have not run yet.
  const synth = app.synth.bind(app);
  app.synth = () => {
    synthesizing.add(app);
    try {
      synth();
    } finally {
      synthesizing.delete(app);
    }
  };
}

/**
 * Declares the Lambda concurrency settings of the stack holding `scope`
 * (validated here) and installs the deployment check.
 */
export function configureLambdaConcurrency(scope: IConstruct, settings: LambdaConcurrencySettings = {}): void {
  installDeploymentChecks(scope);
  LambdaConcurrencyGuard.of(scope).configure(settings);
}

/** A stack's part of the deployment check: its validation, and the aspect writing its plan-time preconditions. */
class DeploymentChecks extends Construct implements IAspect {
  public static on(stack: TerraformStack): DeploymentChecks {
    return (stack.node.tryFindChild(CHECKS_ID) as DeploymentChecks | undefined) ?? new DeploymentChecks(stack);
  }

  private readonly stack: TerraformStack;

  private constructor(stack: TerraformStack) {
    super(stack, CHECKS_ID);
    this.stack = stack;
    LambdaConcurrencyGuard.of(stack);
    stack.node.addValidation({ validate: () => this.validateStack() });
    Aspects.of(stack).add(this);
  }

  private validateStack(): string[] {
    if (synthesizing.has(this.stack.node.root)) return [];
    const name = this.stack.node.path;
    return formatForSynth(checkDeployment(documentOf(this.stack, () => 'read-by-checks')).filter((v) => involves(v, name)));
  }

  public visit(node: IConstruct): void {
    if (node !== this.stack) return;
    // Stacks added to the app after the guard constructs were made get their part here, before their own synth.
    stacksOf(this.stack.node.root).forEach((stack) => DeploymentChecks.on(stack));
    // This stack as the checks read it; the others only for their reservations, and only when this stack reserves.
    let own: StackDocument = { name: this.stack.node.path, json: stackJsonOf(this.stack, 'plan-checks') };
    let alone = new DocumentIndex({ stacks: [own], valuesResolved: false });
    // Policies are read only when a state machine's role ARN is known only at deploy time (which roles could it name?).
    if (rolePlanChecks(alone, own.name, { withoutPolicies: true }).some((check) => check.kind === 'role')) {
      own = { name: this.stack.node.path, json: stackJsonOf(this.stack, 'read-by-checks') };
      alone = new DocumentIndex({ stacks: [own], valuesResolved: false });
    }
    const others = stacksOf(this.stack.node.root).filter((stack) => stack !== this.stack);
    const index =
      others.length > 0 && reservationsOf(alone).reservations.length > 0
        ? new DocumentIndex({
            stacks: stacksOf(this.stack.node.root).map((stack) => (stack === this.stack ? own : { name: stack.node.path, json: stackJsonOf(stack, 'functions') })),
            valuesResolved: false,
          })
        : alone;
    LambdaConcurrencyGuard.of(this.stack).addPlanChecks(index);
    this.addNameChecks(index);
    this.addRoleChecks(index);
  }

  /** One precondition per rule for each name with a deploy-time part that nothing else checks at plan. */
  private addNameChecks(index: DocumentIndex): void {
    const ours = (message: string) => message.startsWith(MESSAGE_PREFIX);
    for (const { use, deployTime } of stackNames(index, this.stack.node.path)) {
      const { entry, kind, attribute, raw } = use;
      const needed = deployTime && !namePreconditionsCover(entry, raw, kind.rules, ours);
      let segments = segmentsOf(raw);
      if (use.prefix) segments = [...segments, { text: '0'.repeat(UNIQUE_SUFFIX_LENGTH) }];
      const fifo = kind.terraformType === 'aws_sns_topic' && (entry.config.fifo_topic === true || entry.config.fifo_topic === 'true');
      const name = fifo ? `trimsuffix(${hclExpressionOf(segments)}, ".fifo")` : hclExpressionOf(segments);
      const shown = hclExpressionOf(segmentsOf(raw));
      const preconditions: Precondition[] = needed
        ? kind.rules.map((rule) => ({
            condition: `\${${hclCondition(name, rule.constraint)}}`,
            errorMessage:
              `${templateLiteral(`${MESSAGE_PREFIX}'${whereOf(entry)}': [${rule.id}] the resolved ${attribute} "`)}\${${shown}}` +
              templateLiteral(`" must ${rule.requirement}${use.prefix ? ' once Terraform appends its unique suffix' : ''}. Fix: ${rule.fix}.`),
          }))
        : [];
      setGuardPreconditions(this.stack, entry.address, `name:${attribute}`, preconditions, entry.config);
    }
    for (const shared of sharedNames(index, this.stack.node.path)) {
      const { entry, attribute, raw, kind } = shared.use;
      const shown = hclExpressionOf(segmentsOf(raw));
      setGuardPreconditions(
        this.stack,
        entry.address,
        `name-unique:${attribute}`,
        [
          {
            condition: sharedNameCondition(shared),
            errorMessage:
              `${templateLiteral(`${MESSAGE_PREFIX}'${whereOf(entry)}': [${NAME_UNIQUE_RULE}] its count or for_each (${shared.multiplicity}) makes `)}` +
              `\${${shared.multiplicity}}` +
              templateLiteral(` instances of this ${kind.resource}, each with the ${attribute} "`) +
              `\${${shown}}` +
              templateLiteral('", and they must differ. Fix: put count.index or each.key into the name, or make at most one instance.'),
          },
        ],
        entry.config,
      );
    }
  }

  /** The account of an existing role, and the role of a deploy-time ARN, checked at plan where synth cannot tell. */
  private addRoleChecks(index: DocumentIndex): void {
    const machines = index.ofType('aws_sfn_state_machine').filter((m) => m.stack === this.stack.node.path);
    const checks = rolePlanChecks(index, this.stack.node.path);
    for (const machine of machines) {
      const preconditions = checks
        .filter((c) => c.machine === machine)
        .map((check): Precondition => {
          const where = `${MESSAGE_PREFIX}'${whereOf(machine)}': `;
          if (check.kind === 'account') {
            const account = this.callerAccount(machine);
            return {
              condition: `\${${hclStringLiteral(check.account)} == ${account}}`,
              errorMessage:
                templateLiteral(`${where}[${ROLE_ACCOUNT_RULE}] role_arn names a role of account ${check.account}, which must be the account deployed to (`) +
                `\${${account}}` +
                templateLiteral(
                  '): the log-delivery policy is attached by name in the account deployed to. Fix: use a role of that account, or pin the provider (allowed_account_ids).',
                ),
            };
          }
          const arnName = `lower(regex("[^/]+$", ${check.roleArn}))`;
          return {
            condition: `\${contains([for name in [${check.candidates.join(', ')}] : lower(name)], ${arnName})}`,
            errorMessage:
              templateLiteral(`${where}[${LOG_DELIVERY_ROLE_RULE}] the role the state machine runs as (`) +
              `\${${check.roleArn}}` +
              templateLiteral(
                `) must be one this stack grants the 8 log-delivery actions to (${check.candidates.join(', ')}). ` +
                  'Fix: pass the ARN of the role the log-delivery policy is attached to.',
              ),
          };
        });
      setGuardPreconditions(this.stack, machine.address, 'state-machine-role', preconditions, machine.config);
    }
  }

  /** The deploying account, read at plan through the state machine's provider. */
  private callerAccount(machine: ResourceEntry): string {
    const provider = machine.target.provider;
    if (provider === 'aws') return soleInterpolation(resolveForSynth(this.stack, accountIdOf(this.stack))) as string;
    const id = `CallerIdentity_${provider.replace(/[^A-Za-z0-9]/g, '_')}`;
    let data = this.node.tryFindChild(id) as DataAwsCallerIdentity | undefined;
    if (!data) {
      data = new DataAwsCallerIdentity(this, id);
      data.addOverride('provider', provider);
    }
    return `data.${data.terraformResourceType}.${data.friendlyUniqueId}.account_id`;
  }
}
