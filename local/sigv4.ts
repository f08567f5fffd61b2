import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'crypto';
import type { IncomingHttpHeaders } from 'http';

/**
 * SigV4 for the local API, with the SDK's own signer (`@smithy/signature-v4`):
 * clients sign with it, and the local API recomputes each signature with it
 * and answers API Gateway's 403s when they do not match.
 */
export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export const EXECUTE_API_SERVICE = 'execute-api';
/** How far a signature's date may be from the server's clock (SigV4's rule). */
export const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Fresh credentials for one local run: an access key id shaped like AWS's, a 40-character secret. */
export function newLocalCredentials(): LocalCredentials {
  return {
    accessKeyId: `AKIALOCAL${randomBytes(6).toString('hex').toUpperCase().slice(0, 11)}`,
    secretAccessKey: randomBytes(20).toString('hex'),
  };
}

type SourceData = string | ArrayBuffer | ArrayBufferView;

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape the signer takes. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

/** One signer per credentials and region: it caches the derived signing key per day. */
const signers = new Map<string, SignatureV4>();

function signer(credentials: LocalCredentials, region: string): SignatureV4 {
  const key = JSON.stringify([credentials.accessKeyId, credentials.secretAccessKey, credentials.sessionToken, region]);
  let found = signers.get(key);
  if (!found) {
    // No x-amz-content-sha256 header: execute-api signs the body hash without sending it.
    found = new SignatureV4({ credentials, region, service: EXECUTE_API_SERVICE, sha256: NodeSha256, applyChecksum: false });
    if (signers.size > 100) signers.clear();
    signers.set(key, found);
  }
  return found;
}

export interface SignableRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** The headers (Authorization, X-Amz-Date, ...) that sign `request` to `url` for execute-api. */
export async function signedHeaders(url: string, request: SignableRequest, credentials: LocalCredentials, region: string): Promise<Record<string, string>> {
  const target = new URL(url);
  const headers = Object.fromEntries(Object.entries(request.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const signed = await signer(credentials, region).sign({
    method: request.method ?? 'GET',
    protocol: target.protocol,
    hostname: target.hostname,
    port: target.port ? Number(target.port) : undefined,
    path: target.pathname,
    query: queryOf(target.searchParams),
    headers: { ...headers, host: target.host },
    body: request.body,
  });
  // fetch sets Host itself, to the same value.
  const { host: _host, ...rest } = signed.headers;
  return rest;
}

/** `fetch`, with the request signed for execute-api. */
export async function signedFetch(url: string, request: SignableRequest, credentials: LocalCredentials, region: string): Promise<Response> {
  return fetch(url, { method: request.method ?? 'GET', headers: await signedHeaders(url, request, credentials, region), body: request.body });
}

function queryOf(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of params) {
    const existing = query[key];
    query[key] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return query;
}

export interface ReceivedRequest {
  readonly method: string;
  /** Path and query as received (`request.url`). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /**
   * Every value of each header, repeats included (Node's `request.headersDistinct`): Node's
   * `headers` keeps only the first `Authorization` of a request that sends two.
   * @default one value per header, from `headers`
   */
  readonly headersDistinct?: NodeJS.Dict<string[]>;
  /** The body as received: the signature is checked against its hash, as API Gateway does. */
  readonly body: Buffer;
}

/**
 * The headers that carry a signature. A request that sends one of them twice is refused before
 * anything else is read: which copy counts would otherwise depend on the server.
 */
export const AUTH_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'] as const;

/**
 * The SDK's signer, recomputing a received request's signature as API Gateway does: the payload
 * hash of the canonical request is the hash of the body received. The signer on its own takes a
 * request's `x-amz-content-sha256` header as that hash, which would let a client sign one body
 * (or `UNSIGNED-PAYLOAD`) and send another.
 */
class ReceivedRequestSigner extends SignatureV4 {
  constructor(
    credentials: LocalCredentials,
    region: string,
    private readonly receivedBodyHash: string,
  ) {
    super({ credentials, region, service: EXECUTE_API_SERVICE, sha256: NodeSha256, applyChecksum: false });
  }

  protected override createCanonicalRequest(request: Parameters<SignatureV4['sign']>[0], canonicalHeaders: Record<string, string>, _claimedPayloadHash: string): string {
    return super.createCanonicalRequest(request, canonicalHeaders, this.receivedBodyHash);
  }
}

export type Verdict = { readonly ok: true; readonly accessKeyId: string } | { readonly ok: false; readonly message: string };

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function parseAuthorization(value: string): Record<string, string> {
  const [, rest = ''] = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(value) ?? [];
  return Object.fromEntries(
    rest
      .split(',')
      .map((part) => part.trim().split('='))
      .filter((kv) => kv.length === 2)
      .map(([k, v]) => [k, v]),
  );
}

/**
 * Checks a request's SigV4 signature as API Gateway does for an AWS_IAM
 * method, answering with API Gateway's 403 messages: no signature, a
 * malformed header, a foreign scope, an unknown key, a stale date, a
 * signature that does not match.
 */
export async function verifySignature(request: ReceivedRequest, known: readonly LocalCredentials[], region: string, now = new Date()): Promise<Verdict> {
  const distinct: NodeJS.Dict<string[]> =
    request.headersDistinct ?? Object.fromEntries(Object.entries(request.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, [value].flat()]])));
  const repeated = AUTH_HEADERS.filter((name) => (distinct[name]?.length ?? 0) > 1);
  if (repeated.length > 0) {
    return { ok: false, message: `The request carries ${repeated.map((name) => `'${name}'`).join(', ')} more than once; send each signing header once.` };
  }
  const authorization = request.headers.authorization;
  if (authorization === undefined) return { ok: false, message: 'Missing Authentication Token' };

  const parts = parseAuthorization(authorization);
  const date = request.headers['x-amz-date'];
  const missing = [
    parts.Credential ? '' : "Authorization header requires 'Credential' parameter. ",
    parts.Signature ? '' : "Authorization header requires 'Signature' parameter. ",
    parts.SignedHeaders ? '' : "Authorization header requires 'SignedHeaders' parameter. ",
    typeof date === 'string' ? '' : "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ",
  ].join('');
  if (missing) return { ok: false, message: `${missing}Authorization=${authorization}` };

  const [accessKeyId, scopeDate, scopeRegion, scopeService, terminator] = parts.Credential.split('/');
  if (scopeService !== EXECUTE_API_SERVICE || terminator !== 'aws4_request') {
    return { ok: false, message: `Credential should be scoped to correct service: '${EXECUTE_API_SERVICE}'. ` };
  }
  if (scopeRegion !== region) return { ok: false, message: `Credential should be scoped to a valid region, not '${scopeRegion}'. ` };
  const credentials = known.find((c) => c.accessKeyId === accessKeyId);
  if (!credentials) return { ok: false, message: 'The security token included in the request is invalid.' };

  const dateText = String(date);
  const dateParts = AMZ_DATE.exec(dateText);
  if (!dateParts || scopeDate !== dateText.slice(0, 8)) {
    return { ok: false, message: `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${dateText.slice(0, 8)}', from '${dateText}'.` };
  }
  const signingDate = new Date(Date.UTC(+dateParts[1], +dateParts[2] - 1, +dateParts[3], +dateParts[4], +dateParts[5], +dateParts[6]));
  if (signingDate.getTime() < now.getTime() - MAX_CLOCK_SKEW_MS) {
    return { ok: false, message: `Signature expired: ${dateText} is now earlier than ${amzDate(new Date(now.getTime() - MAX_CLOCK_SKEW_MS))} (${amzDate(now)} - 5 min.)` };
  }
  if (signingDate.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
    return { ok: false, message: `Signature not yet current: ${dateText} is still later than ${amzDate(new Date(now.getTime() + MAX_CLOCK_SKEW_MS))} (${amzDate(now)} + 5 min.)` };
  }

  // Recompute over exactly the headers the client signed (a repeated one's values joined with ','),
  // and the hash of the body received, with the SDK's signer.
  const signedNames = parts.SignedHeaders.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    const values = distinct[name];
    if (values !== undefined) headers[name] = values.join(',');
  }
  const target = new URL(request.url, 'http://local');
  const receivedBodyHash = createHash('sha256').update(request.body).digest('hex');
  const recomputed = await new ReceivedRequestSigner(credentials, region, receivedBodyHash).sign(
    { method: request.method, protocol: 'http:', hostname: 'local', path: target.pathname, query: queryOf(target.searchParams), headers, body: request.body },
    { signingDate, signableHeaders: new Set(signedNames) },
  );
  const expected = /Signature=([0-9a-f]+)/.exec(recomputed.headers.authorization)?.[1] ?? '';
  const given = Buffer.from(parts.Signature);
  if (given.length !== expected.length || !timingSafeEqual(given, Buffer.from(expected))) {
    return {
      ok: false,
      message:
        'The request signature we calculated does not match the signature you provided. ' +
        'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    };
  }
  return { ok: true, accessKeyId };
}
