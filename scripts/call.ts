/**
 * `npm run call -- METHOD PATH [BODY]`: one SigV4-signed request to the job
 * API, signed with the SDK's signer, like `curl --aws-sigv4`.
 *
 *   API_URL                 base URL, e.g. the stage URL (`cdktf output api_url`) or the
 *                           local runner's (default http://127.0.0.1:3000)
 *   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (optional)
 *   AWS_REGION              region of the API (default us-east-1)
 *
 *   npm run call -- POST /jobs '{"type":"sum","payload":{"numbers":[1,2]}}'
 *   npm run call -- GET /jobs/5c1e...
 */
import { signedFetch } from '../local/sigv4';

async function main(): Promise<number> {
  const [method, path, body] = process.argv.slice(2);
  if (!method || !path || !path.startsWith('/')) {
    console.error("usage: npm run call -- METHOD /path ['json body']   (API_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from the environment)");
    return 2;
  }
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    console.error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set (for the local runner: the export line it prints at start).');
    return 2;
  }
  const baseUrl = (process.env.API_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const response = await signedFetch(
    `${baseUrl}${path}`,
    { method: method.toUpperCase(), headers: body === undefined ? {} : { 'content-type': 'application/json' }, body },
    { accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN },
    process.env.AWS_REGION ?? 'us-east-1',
  );
  console.log(`${response.status} ${await response.text()}`);
  return response.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error.message);
    process.exit(1);
  },
);
