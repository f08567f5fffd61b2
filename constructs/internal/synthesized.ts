import { DefaultTokenResolver, StringConcat, TerraformResource, Tokenization } from 'cdktf';
import { IConstruct } from 'constructs';

/**
 * A value as synth will write it: every token resolved to its literal or its Terraform
 * expression (`${...}`), lists and maps included. The checks that read the final tree
 * (names, reservations, policies, definitions) compare these, never raw tokens.
 */
export function resolveForSynth(scope: IConstruct, value: unknown): unknown {
  return Tokenization.resolve(value, { scope, preparing: false, resolver: new DefaultTokenResolver(new StringConcat()) });
}

/** A string value as synth will write it (see resolveForSynth). */
export function resolvedText(scope: IConstruct, value: unknown): string {
  return String(resolveForSynth(scope, value));
}

/**
 * A resource's arguments as synth will write them, escape hatches (`addOverride`) applied;
 * tokens inside are not resolved yet.
 */
export function synthesizedArguments(resource: TerraformResource): Record<string, unknown> | undefined {
  const synthesized = resource.toTerraform() as { resource?: Record<string, Record<string, Record<string, unknown> | undefined> | undefined> };
  return synthesized.resource?.[resource.terraformResourceType]?.[resource.friendlyUniqueId];
}
