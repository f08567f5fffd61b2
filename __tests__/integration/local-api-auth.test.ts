import { execFile } from 'child_process';
import fc from 'fast-check';
import { promisify } from 'util';
import { Testing } from 'cdktf';
import { join } from 'path';
import { LambdaRestApi } from '../../constructs/lambda-rest-api';
import { SafeBucket } from '../../constructs/safe-bucket';
import { UnreservedFunction } from '../../constructs/unreserved-function';
import { LocalApiServer } from '../../local/api-server';
import { HostedFunction } from '../../local/function-host';
import { newLocalCredentials, signedFetch, signedHeaders, verifySignature } from '../../local/sigv4';
import { LocalRoute, SynthesizedStack } from '../../local/synthesized-stack';
import { newStack } from '../helpers/stacks';

/**
 * The local API on a small synthesized stack (one echo function behind three
 * routes): SigV4 checked with API Gateway's answers, a NONE route left open,
 * and the body model enforced as API Gateway's validator would.
 */
jest.setTimeout(120_000);

const REGION = 'us-east-1';
const itemSchema = { type: 'object', required: ['name'], properties: { name: { type: 'string', maxLength: 10 } }, additionalProperties: false };
const credentials = newLocalCredentials();
let routes: LocalRoute[];
let functions: HostedFunction[];
let server: LocalApiServer;
let url: string;

beforeAll(async () => {
  const { stack } = newStack('AuthApp');
  const handler = new UnreservedFunction(stack, 'Echo', { entry: join(__dirname, '..', 'fixtures', 'proxy-echo-handler.ts'), codeBucket: new SafeBucket(stack, 'Code', {}) });
  new LambdaRestApi(stack, 'Api', {
    routes: [
      { method: 'POST', path: '/items', handler, requestBodySchema: itemSchema },
      { method: 'GET', path: '/items/{id}', handler },
      { method: 'GET', path: '/health', handler, authorization: 'NONE' },
    ],
  });
  const synthesized = new SynthesizedStack(join(Testing.fullSynth(stack), 'stacks', 'AuthApp'));
  routes = synthesized.routes();
  functions = synthesized.functions().map((definition) => new HostedFunction(definition, { sdkEnvironment: {} }));
  server = new LocalApiServer(routes, new Map(functions.map((f) => [f.definition.functionName, f])), 'v1', () => undefined, { credentials: [credentials], region: REGION });
  url = await server.start(0);
});

afterAll(async () => {
  await server?.stop();
  await Promise.all((functions ?? []).map((f) => f.stop()));
});

const post = (body: string, signWith = credentials) =>
  signedFetch(`${url}/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }, signWith, REGION);

async function answer(response: Response): Promise<{ status: number; body: any }> {
  return { status: response.status, body: await response.json() };
}

describe('routes as synthesized', () => {
  it('reads each route\'s authorization and body model from the OpenAPI body', () => {
    const byRoute = Object.fromEntries(routes.map((r) => [`${r.method} ${r.resource}`, [r.authorization, r.bodySchema]]));
    expect(byRoute).toEqual({
      'POST /items': ['AWS_IAM', itemSchema],
      'GET /items/{id}': ['AWS_IAM', undefined],
      'GET /health': ['NONE', undefined],
    });
  });

  it('refuses to serve a route whose authorizer it cannot evaluate, saying what to do', () => {
    const cognito: LocalRoute = { ...routes.find((r) => r.resource === '/items/{id}')!, authorization: 'COGNITO_USER_POOLS' };
    const map = new Map(functions.map((f) => [f.definition.functionName, f]));
    expect(() => new LocalApiServer([cognito], map, 'v1', () => undefined)).toThrow(/uses a COGNITO_USER_POOLS authorizer.*run locally with AWS_IAM/);
  });
});

describe('SigV4 on AWS_IAM routes', () => {
  it('answers 403 Missing Authentication Token to unsigned requests on every AWS_IAM route, and serves the NONE route', async () => {
    expect(await answer(await fetch(`${url}/items`, { method: 'POST', body: '{"name":"a"}' }))).toEqual({ status: 403, body: { message: 'Missing Authentication Token' } });
    expect(await answer(await fetch(`${url}/items/1`))).toEqual({ status: 403, body: { message: 'Missing Authentication Token' } });
    expect(await answer(await fetch(`${url}/health`))).toEqual({ status: 200, body: { body: null, accessKey: null } });
  });

  it('passes a signed request to the function, with the caller\'s access key in the identity', async () => {
    expect(await answer(await post('{"name":"a"}'))).toEqual({ status: 200, body: { body: '{"name":"a"}', accessKey: credentials.accessKeyId } });
    const read = await signedFetch(`${url}/items/42?verbose=1&a=b`, {}, credentials, REGION);
    expect(read.status).toBe(200);
  });

  it('answers the signature-mismatch 403 for a wrong secret, a changed path or a changed query', async () => {
    const mismatch = /^The request signature we calculated does not match the signature you provided\. Check your AWS Secret Access Key/;
    const wrongSecret = await answer(await post('{"name":"a"}', { ...credentials, secretAccessKey: 'wrong' }));
    expect(wrongSecret.status).toBe(403);
    expect(wrongSecret.body.message).toMatch(mismatch);
    const headers = await signedHeaders(`${url}/items/1?x=1`, {}, credentials, REGION);
    for (const changed of [`${url}/items/2?x=1`, `${url}/items/1?x=2`]) {
      const response = await answer(await fetch(changed, { headers }));
      expect({ changed, status: response.status }).toEqual({ changed, status: 403 });
      expect(response.body.message).toMatch(mismatch);
    }
  });

  it("answers API Gateway's 403s for an unknown key, a foreign region, and a header that is not SigV4", async () => {
    expect(await answer(await post('{"name":"a"}', { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' }))).toEqual({
      status: 403,
      body: { message: 'The security token included in the request is invalid.' },
    });
    const foreign = await signedFetch(`${url}/items/1`, {}, credentials, 'eu-west-1');
    expect(await answer(foreign)).toEqual({ status: 403, body: { message: "Credential should be scoped to a valid region, not 'eu-west-1'. " } });
    const headers = await signedHeaders(`${url}/items/1`, {}, credentials, REGION);
    const otherService = { ...headers, authorization: headers.authorization.replace('/execute-api/', '/s3/') };
    expect(await answer(await fetch(`${url}/items/1`, { headers: otherService }))).toEqual({
      status: 403,
      body: { message: "Credential should be scoped to correct service: 'execute-api'. " },
    });
    const bearer = await answer(await fetch(`${url}/items/1`, { headers: { authorization: 'Bearer abc' } }));
    expect(bearer.status).toBe(403);
    expect(bearer.body.message).toBe(
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. " +
        'Authorization=Bearer abc',
    );
  });

  it('answers the expiry 403 to a signature more than 5 minutes old, and accepts one within', async () => {
    const headers = await signedHeaders('http://127.0.0.1:1/items/1', {}, credentials, REGION);
    const request = { method: 'GET', url: '/items/1', headers: { ...headers, host: '127.0.0.1:1' }, body: Buffer.alloc(0) };
    const signedAt = Date.now();
    expect(await verifySignature(request, [credentials], REGION, new Date(signedAt + 4 * 60_000))).toEqual({ ok: true, accessKeyId: credentials.accessKeyId });
    const late = await verifySignature(request, [credentials], REGION, new Date(signedAt + 6 * 60_000));
    expect(late).toMatchObject({ ok: false, message: expect.stringMatching(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/) });
  });
});

describe('npm run call (scripts/call.ts)', () => {
  const run = (env: Record<string, string>, ...args: string[]) =>
    promisify(execFile)(process.execPath, [join('node_modules', 'tsx', 'dist', 'cli.mjs'), 'scripts/call.ts', ...args], {
      env: { PATH: process.env.PATH ?? '', API_URL: url, ...env },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout + error.stderr }),
    );

  it('signs with the credentials in the environment, as curl --aws-sigv4 does', async () => {
    const env = { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey };
    const submitted = await run(env, 'POST', '/items', '{"name":"called"}');
    expect(submitted).toEqual({ code: 0, stdout: `200 ${JSON.stringify({ body: '{"name":"called"}', accessKey: credentials.accessKeyId })}\n` });
    const refused = await run({ ...env, AWS_SECRET_ACCESS_KEY: 'wrong' }, 'GET', '/items/1');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^403 \{"message":"The request signature we calculated does not match/);
  });

  it('says what it needs when credentials are missing', async () => {
    const missing = await run({}, 'GET', '/items/1');
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set');
  });
});

describe('the body model, enforced as API Gateway does', () => {
  it.each([
    ['a body the model refuses', '{"name":"far too long a name"}'],
    ['an unknown field', '{"name":"a","extra":1}'],
    ['a body that is not JSON', '{"name":'],
    ['an empty body', ''],
  ])('answers 400 Invalid request body to %s, before the function runs', async (_case, body) => {
    expect(await answer(await post(body))).toEqual({ status: 400, body: { message: 'Invalid request body' } });
  });

  it('checks the signature before the body', async () => {
    expect((await fetch(`${url}/items`, { method: 'POST', body: 'not json' })).status).toBe(403);
  });

  it('lets through exactly the bodies the model accepts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 14 }), async (name) => {
        const response = await post(JSON.stringify({ name }));
        expect(response.status).toBe([...name].length <= 10 ? 200 : 400);
      }),
      { numRuns: 40 },
    );
  });
});
