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
  readonly body: Buffer;
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

  // Recompute over exactly the headers the client signed, with the SDK's signer.
  const signedNames = parts.SignedHeaders.split(';');
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const target = new URL(request.url, 'http://local');
  const recomputed = await signer(credentials, region).sign(
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
