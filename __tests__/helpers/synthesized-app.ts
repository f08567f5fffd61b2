import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { Testing } from 'cdktf';
import { createTableInput } from '../../local/table';
import { TapStack } from '../../stacks/tap-stack';
import { SynthesizedStack } from './stacks';

/**
 * Reads what would be deployed: the synthesized Terraform JSON of the shipped
 * TapStack, and the pieces the tests run for real (table, state machine
 * definition, IAM policies), taken from it rather than declared again.
 */
let cached: SynthesizedStack | undefined;

export function synthesizedTapStack(): SynthesizedStack {
  cached ??= JSON.parse(Testing.synth(new TapStack(Testing.app(), 'TapStack'))) as SynthesizedStack;
  return cached;
}

function onlyOf<T>(record: Record<string, T> | undefined, what: string): T {
  const values = Object.values(record ?? {});
  if (values.length !== 1) throw new Error(`expected one ${what}, found ${values.length}`);
  return values[0];
}

/** CreateTable input built from the synthesized aws_dynamodb_table block (attributes, keys and indexes). */
export function createTableInputFromSynth(json: SynthesizedStack, tableName: string): CreateTableCommandInput {
  return createTableInput(onlyOf(json.resource.aws_dynamodb_table, 'aws_dynamodb_table'), tableName);
}

/** The state machine definition exactly as synthesized (Terraform references left in place). */
export function stateMachineDefinitionFromSynth(json: SynthesizedStack): Record<string, any> {
  const machine = onlyOf(json.resource.aws_sfn_state_machine, 'aws_sfn_state_machine');
  const localName = /^\$\{jsonencode\(local\.(\w+)\)\}$/.exec(machine.definition)?.[1];
  if (!localName || !json.locals?.[localName]) throw new Error(`state machine definition is not a local: ${machine.definition}`);
  return json.locals[localName];
}

export interface SynthesizedStatement {
  readonly sid: string;
  readonly effect: string;
  readonly actions: string[];
  readonly resources: string[];
}

/** The statements of the inline policy of the role owned by (or being) the construct with this id (e.g. `Api`, `JobWorkflow`, `Client`). */
export function roleStatementsFromSynth(json: SynthesizedStack, constructId: string): SynthesizedStatement[] {
  const entry = Object.entries(json.data.aws_iam_policy_document).find(
    ([key]) => key.startsWith(`${constructId}_Role_PolicyDocument_`) || key.startsWith(`${constructId}_PolicyDocument_`),
  );
  if (!entry) throw new Error(`no role policy for ${constructId}`);
  return entry[1].statement;
}

/** The Terraform address of a resource of `type` whose synthesized name starts with `prefix`. */
export function resourceNameFromSynth(json: SynthesizedStack, type: string, prefix: string): string {
  const names = Object.keys(json.resource[type] ?? {}).filter((name) => name.startsWith(prefix));
  if (names.length !== 1) throw new Error(`expected one ${type} named ${prefix}*, found ${names.join(', ') || 'none'}`);
  return names[0];
}
