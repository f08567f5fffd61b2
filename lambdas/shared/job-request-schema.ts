import { JOB_TYPES, JOB_TYPE_NAMES } from './job-types';
import { toJsonSchema } from './schema';

/**
 * The POST /jobs body as JSON Schema draft-04 (the dialect of API Gateway
 * models), generated from the job types' schemas: one branch per type. For
 * an API Gateway request model (`requestBodySchema` of a LambdaRestApi route)
 * so malformed bodies stop before the Api function runs; the function keeps
 * its own checks.
 *
 * What JSON Schema cannot say, only the function checks: numbers written
 * more precisely than a double holds (`0.1000000000000000001`), duplicate
 * keys, lone surrogates, and the body size (413, also WAF's). Both refuse
 * `__proto__`/`constructor`/`prototype` keys and nesting beyond 32 levels,
 * as neither fits the closed objects below.
 */
export const JOB_REQUEST_JSON_SCHEMA: Readonly<Record<string, unknown>> = {
  $schema: 'http://json-schema.org/draft-04/schema#',
  title: 'JobRequest',
  description: 'A job to run: its type and a payload of that type.',
  oneOf: JOB_TYPE_NAMES.map((name) => ({
    type: 'object',
    properties: { type: { enum: [name] }, payload: toJsonSchema(JOB_TYPES[name].payload) },
    required: ['type', 'payload'],
    additionalProperties: false,
  })),
};
