/**
 * The names cdktf (0.21) gives the plumbing of a reference from one stack of an app to another: an
 * output of the producer stack, read in the consumer through a `terraform_remote_state` named after
 * the producer. They are cdktf's internals, not its API: the test of this file synthesizes a real
 * cross-stack reference, so an upgrade that renames them fails there.
 */
export const CDKTF_CROSS_STACK = {
  outputPrefix: 'cross-stack-output-',
  referenceInputPrefix: 'cross-stack-reference-input-',
} as const;

const escapedForRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What cdktf writes for a reference to another stack of the app: the producer's path, and the output it reads. */
export const CROSS_STACK_REFERENCE = new RegExp(
  `^data\\.terraform_remote_state\\.${escapedForRegExp(CDKTF_CROSS_STACK.referenceInputPrefix)}([^.\\s]+)\\.outputs\\.([A-Za-z0-9_-]+)$`,
);
