/**
 * The one list of Node.js Lambda runtimes this project knows. Supported
 * runtimes carry the esbuild target their bundles are built for; deprecated
 * ones carry the date AWS deprecated them, quoted in the synth error.
 *
 * nodejs24.x is missing on purpose: hashicorp/aws 5.100.0 (the provider
 * `@cdktf/provider-aws` 20.1.0 is generated for) rejects it at plan.
 */
export const NODE_RUNTIMES = {
  'nodejs22.x': { status: 'supported', esbuildTarget: 'node22' },
  'nodejs20.x': { status: 'deprecated', deprecatedOn: '2026-04-30' },
  'nodejs18.x': { status: 'deprecated', deprecatedOn: '2025-09-01' },
  'nodejs16.x': { status: 'deprecated', deprecatedOn: '2024-06-12' },
  'nodejs14.x': { status: 'deprecated', deprecatedOn: '2023-12-04' },
  'nodejs12.x': { status: 'deprecated', deprecatedOn: '2023-03-31' },
  'nodejs10.x': { status: 'deprecated', deprecatedOn: '2021-07-30' },
} as const;

export type NodeRuntime = keyof typeof NODE_RUNTIMES;
export type SupportedNodeRuntime = {
  [R in NodeRuntime]: (typeof NODE_RUNTIMES)[R]['status'] extends 'supported' ? R : never;
}[NodeRuntime];

export const DEFAULT_NODE_RUNTIME: SupportedNodeRuntime = 'nodejs22.x';

export function isSupportedRuntime(runtime: string): runtime is SupportedNodeRuntime {
  const entry = (NODE_RUNTIMES as Record<string, { status: string }>)[runtime];
  return entry?.status === 'supported';
}

export function supportedRuntimes(): SupportedNodeRuntime[] {
  return (Object.keys(NODE_RUNTIMES) as NodeRuntime[]).filter(isSupportedRuntime);
}

/** Why `runtime` cannot be used, or undefined when it can. */
export function runtimeProblem(runtime: string): string | undefined {
  const entry = (NODE_RUNTIMES as Record<string, { status: string; deprecatedOn?: string }>)[runtime];
  if (entry === undefined) {
    return `is not a Node.js runtime this project knows`;
  }
  if (entry.status === 'deprecated') {
    return `was deprecated by AWS on ${entry.deprecatedOn}`;
  }
  return undefined;
}

export function esbuildTargetFor(runtime: SupportedNodeRuntime): string {
  return NODE_RUNTIMES[runtime].esbuildTarget;
}
