import { createServer } from 'http';
import { AddressInfo } from 'net';
import { validateAsl } from '../../constructs/internal/asl-validation';

/**
 * A loopback HTTP endpoint answering the only AWS calls a `terraform plan` of
 * the guard-check fixtures and the HCL export makes: STS GetCallerIdentity
 * (`data.aws_caller_identity`), Service Quotas GetServiceQuota /
 * GetAWSDefaultServiceQuota (`data.aws_servicequotas_service_quota`) and Step
 * Functions ValidateStateMachineDefinition (the provider validates a known
 * definition at plan; answered by asl-validator, the validator the constructs
 * use). moto knows no Lambda quota, and these answers are what AWS returns for
 * an account with the given id and quota. Any other call is refused with a 400 naming it,
 * so a plan that reaches further fails loudly instead of reading a made-up value.
 */
export interface AwsAnswers {
  /** `http://127.0.0.1:<port>`, for the provider's `endpoints` block. */
  readonly endpoint: string;
  /** The calls refused (anything but the three above), as `<service> <operation>`. */
  readonly refused: readonly string[];
  close(): Promise<void>;
}

export interface AwsAnswersOptions {
  readonly accountId: string;
  /** The Lambda concurrency quota (lambda/L-B99A9384) Service Quotas reports. */
  readonly lambdaConcurrencyQuota: number;
  /** @default us-east-1 */
  readonly region?: string;
}

const QUOTA_TARGET = /^ServiceQuotasV20190624\.(GetServiceQuota|GetAWSDefaultServiceQuota)$/;

export async function startAwsAnswers(options: AwsAnswersOptions): Promise<AwsAnswers> {
  const region = options.region ?? 'us-east-1';
  const refused: string[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      const target = String(request.headers['x-amz-target'] ?? '');
      const quotaCall = QUOTA_TARGET.exec(target);
      if (quotaCall) {
        const asked = JSON.parse(body || '{}') as { ServiceCode?: string; QuotaCode?: string };
        if (asked.ServiceCode !== 'lambda' || asked.QuotaCode !== 'L-B99A9384') {
          response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          response.end(JSON.stringify({ __type: 'NoSuchResourceException', message: `no quota ${asked.ServiceCode}/${asked.QuotaCode}` }));
          return;
        }
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(
          JSON.stringify({
            Quota: {
              ServiceCode: 'lambda',
              ServiceName: 'AWS Lambda',
              QuotaArn: `arn:aws:servicequotas:${region}:${options.accountId}:lambda/L-B99A9384`,
              QuotaCode: 'L-B99A9384',
              QuotaName: 'Concurrent executions',
              Value: options.lambdaConcurrencyQuota,
              Unit: 'None',
              Adjustable: true,
              GlobalQuota: false,
            },
          }),
        );
        return;
      }
      if (target === 'AWSStepFunctions.ValidateStateMachineDefinition') {
        const { definition } = JSON.parse(body) as { definition: string };
        const errors = validateAsl(JSON.parse(definition), { checkArn: true, checkPaths: true });
        const diagnostics = errors.map((e) => ({ severity: 'ERROR', code: 'SCHEMA_VALIDATION_FAILED', message: e.Message, location: '' }));
        response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(JSON.stringify({ result: errors.length === 0 ? 'OK' : 'FAIL', diagnostics, truncated: false }));
        return;
      }
      if (new URLSearchParams(body).get('Action') === 'GetCallerIdentity') {
        response.writeHead(200, { 'content-type': 'text/xml' });
        response.end(
          '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
            `<Arn>arn:aws:iam::${options.accountId}:user/guard-check-plan</Arn><UserId>AIDAGUARDCHECKPLAN</UserId><Account>${options.accountId}</Account>` +
            '</GetCallerIdentityResult><ResponseMetadata><RequestId>guard-check-plan</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
        );
        return;
      }
      const call = target || new URLSearchParams(body).get('Action') || `${request.method} ${request.url}`;
      refused.push(call);
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ __type: 'UnknownOperationException', message: `not answered offline: ${call}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
