/**
 * Where the Lambda concurrency quota of each AWS provider configuration comes
 * from: the caller's option, a value read at plan, the stack's declaration, or
 * the AWS default, assumed. Pure (see deployment-document.ts).
 */
import { DeploymentCheckOptions, DeploymentDocument, LambdaQuotaSource } from '../deployment-document';
import { providerTargetsOf } from '../deployment-target';
import { DocumentIndex, guardsOf, literalInteger } from './model';

/** The Lambda concurrency quota of an AWS account (per region) that has never been raised or lowered. */
export const DEFAULT_ACCOUNT_CONCURRENCY_QUOTA = 1000;
/** Service Quotas code of "Concurrent executions" (AWS Lambda). */
export const LAMBDA_CONCURRENCY_QUOTA = { serviceCode: 'lambda', quotaCode: 'L-B99A9384' } as const;

/** A whole, positive quota; anything else is undefined. */
function positiveQuota(value: unknown): number | undefined {
  const quota = typeof value === 'number' && Number.isFinite(value) ? Math.floor(value) : literalInteger(value);
  return quota !== undefined && quota > 0 ? quota : undefined;
}

/** Whether a `reserved_concurrent_executions` value reserves (or may: a deploy-time value); none, 0 and -1 do not. */
function reserves(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  const literal = literalInteger(value);
  return literal === undefined || literal > 0;
}

/** Quotas read at plan (`data.aws_servicequotas_service_quota` of lambda/L-B99A9384 with a value), by stack and provider. */
function plannedQuotas(index: DocumentIndex): Map<string, number> {
  const read = new Map<string, number>();
  for (const data of index.dataOfType('aws_servicequotas_service_quota')) {
    const { service_code: service, quota_code: code, value } = data.config;
    if (service !== LAMBDA_CONCURRENCY_QUOTA.serviceCode || code !== LAMBDA_CONCURRENCY_QUOTA.quotaCode) continue;
    const quota = positiveQuota(value);
    if (quota === undefined) continue;
    const key = `${data.stack}\u0000${data.target.provider}`;
    read.set(key, Math.min(read.get(key) ?? quota, quota));
  }
  return read;
}

/** The quota of every AWS provider configuration of every stack (the default `aws` one included), and where it comes from. */
export function lambdaQuotaSourcesOf(index: DocumentIndex, options: DeploymentCheckOptions = {}): LambdaQuotaSource[] {
  const planned = plannedQuotas(index);
  const sources: LambdaQuotaSource[] = [];
  for (const stack of index.document.stacks) {
    const providers = new Set(['aws', ...providerTargetsOf(stack.json).keys()]);
    for (const entry of [...index.resources, ...index.data]) if (entry.stack === stack.name) providers.add(entry.target.provider);
    const declared = positiveQuota(guardsOf(stack.json)?.lambdaConcurrencyQuota);
    const reserving = new Set(
      index
        .ofType('aws_lambda_function')
        .filter((fn) => fn.stack === stack.name && reserves(fn.config.reserved_concurrent_executions))
        .map((fn) => fn.target.provider),
    );
    for (const provider of [...providers].sort()) {
      const fromPlan = planned.get(`${stack.name}\u0000${provider}`);
      const where = { stack: stack.name, provider, reserves: reserving.has(provider) };
      const source: LambdaQuotaSource =
        options.lambdaConcurrencyQuota !== undefined
          ? { ...where, quota: options.lambdaConcurrencyQuota, source: 'option' }
          : fromPlan !== undefined
            ? { ...where, quota: fromPlan, source: 'plan' }
            : declared !== undefined
              ? { ...where, quota: declared, source: 'declared' }
              : { ...where, quota: DEFAULT_ACCOUNT_CONCURRENCY_QUOTA, source: 'assumed' };
      sources.push(source);
    }
  }
  return sources;
}

/**
 * Where the Lambda concurrency quota of each provider configuration of each
 * stack comes from. A reader (the guard-check command) prints one line when
 * one that `reserves` is `assumed`: "no quota given: assuming 1000".
 */
export function lambdaQuotaSources(document: DeploymentDocument, options: DeploymentCheckOptions = {}): LambdaQuotaSource[] {
  return lambdaQuotaSourcesOf(new DocumentIndex(document), options);
}
