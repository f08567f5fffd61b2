import { Precondition, TerraformResource, TerraformStack } from 'cdktf';
import { blocksOf } from './deployment-target';

/**
 * Plan-time preconditions that the final-tree checks put on resources they did
 * not create: a construct's resource through its `lifecycle`, a resource that
 * exists only as a stack override (`stack.addOverride('resource.…')`) through
 * the stack's override. Each caller owns a category; setting it again (a second
 * synth) replaces what that category set before and keeps everything else.
 */

type Added = { readonly messages: readonly string[] };
const addedByStack = new WeakMap<TerraformStack, Map<string, Added>>();

/** Escapes literal text for a Terraform string template. */
export function templateLiteral(text: string): string {
  return text.replace(/\$\{/g, '$${').replace(/%\{/g, '%%{');
}

function resourceAt(stack: TerraformStack, address: string): TerraformResource | undefined {
  return stack.node
    .findAll()
    .find(
      (c): c is TerraformResource =>
        TerraformResource.isTerraformResource(c) && `${c.terraformResourceType}.${c.friendlyUniqueId}` === address && TerraformStack.of(c) === stack,
    );
}

/**
 * Replaces the preconditions of `category` on the resource at `address` of
 * `stack` by `preconditions` (none removes them). `current` is the resource's
 * JSON as synthesized, read for an override-only resource.
 */
export function setGuardPreconditions(
  stack: TerraformStack,
  address: string,
  category: string,
  preconditions: readonly Precondition[],
  current: Readonly<Record<string, unknown>>,
): void {
  const added = addedByStack.get(stack) ?? new Map<string, Added>();
  addedByStack.set(stack, added);
  const key = `${address}\u0000${category}`;
  const previous = new Set(added.get(key)?.messages ?? []);
  if (previous.size === 0 && preconditions.length === 0) return;
  added.set(key, { messages: preconditions.map((p) => p.errorMessage) });

  const resource = resourceAt(stack, address);
  if (resource) {
    const kept = (resource.lifecycle?.precondition ?? []).filter((p) => !previous.has(p.errorMessage));
    const next = [...kept, ...preconditions];
    resource.lifecycle = { ...resource.lifecycle, precondition: next.length > 0 ? next : undefined };
    return;
  }
  // A resource written as a stack override: its lifecycle is the override's.
  const [type, ...rest] = address.split('.');
  const existing = blocksOf(current.lifecycle)
    .flatMap((l) => blocksOf(l.precondition))
    .filter((p) => !previous.has(String(p.error_message)));
  const next = [...existing, ...preconditions.map((p) => ({ condition: p.condition as unknown, error_message: p.errorMessage }))];
  stack.addOverride(`resource.${type}.${rest.join('.')}.lifecycle.precondition`, next.length > 0 ? next : undefined);
}
