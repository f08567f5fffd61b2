import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack, Testing } from 'cdktf';
import { join } from 'path';
import { GuardValidationError } from '../../constructs/guard-validation-error';

/** Entries are absolute: a function's code never depends on the working directory. */
export const ECHO_ENTRY = join(__dirname, '..', 'fixtures', 'echo-handler.ts');

/** A test app with one AWS stack (named like the seed's stack unless told otherwise). */
export function newStack(name = 'TapStack', context: Record<string, unknown> = {}): { app: App; stack: TerraformStack } {
  const app = Testing.app({ context });
  const stack = new TerraformStack(app, name);
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  return { app, stack };
}

export interface SynthesizedStack {
  readonly resource: Record<string, Record<string, Record<string, any>>>;
  readonly data: Record<string, Record<string, Record<string, any>>>;
  readonly locals?: Record<string, any>;
  readonly output?: Record<string, { value: unknown }>;
}

/** The synthesized Terraform JSON, as text for cdktf's matchers and parsed for direct reads. */
export function synth(stack: TerraformStack): { text: string; json: SynthesizedStack } {
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text) };
}

/** The only resource of `type` in the synthesized stack (fails when there is not exactly one). */
export function onlyResource(json: SynthesizedStack, type: string): Record<string, any> {
  const instances = Object.values(json.resource[type] ?? {});
  if (instances.length !== 1) {
    throw new Error(`expected exactly one ${type}, found ${instances.length}`);
  }
  return instances[0];
}

/** Runs `build` and returns the GuardValidationError it throws (fails when it throws nothing, or another error). */
export function guardErrorOf(build: () => unknown): GuardValidationError {
  try {
    build();
  } catch (error) {
    if (error instanceof GuardValidationError) return error;
    throw new Error(`expected a GuardValidationError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected the construct to throw, but it did not');
}

/** Runs `build` and returns the message of the error it throws (fails when it does not throw). */
export function errorOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the construct to throw, but it did not');
}
