import { APIGatewayClient, GetAccountCommand, UpdateAccountCommand } from '@aws-sdk/client-api-gateway';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, PutBucketPolicyCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateStateMachineCommand,
  ListStateMachineVersionsCommand,
  SFNClient,
  UpdateStateMachineCommand,
  ValidateStateMachineDefinitionCommand,
} from '@aws-sdk/client-sfn';
import { spawn } from 'child_process';
import { strToU8, zipSync } from 'fflate';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { createConnection } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { EMULATOR_REGION } from '../../local/moto/deploy';
import { Emulator, MOTO_INSTALL_HINT, assertMotoAvailable, motoPython, startEmulator } from '../../local/moto/emulator';

/**
 * Each patch in local/moto/patches.py makes moto answer as AWS does, and no
 * more: these tests check the AWS behaviour a patch imitates, and the nearby
 * behaviour it must leave alone.
 */
jest.setTimeout(120_000);

let emulator: Emulator;
const credentials = { accessKeyId: 'emulator', secretAccessKey: 'emulator' };
const config = () => ({ endpoint: emulator.endpoint, region: EMULATOR_REGION, credentials });

beforeAll(async () => {
  assertMotoAvailable();
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.stop();
});

async function errorName(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).name;
  }
  return 'no error';
}

/** The HTTP status of a failed call (moto denies object requests with a bare 403, as S3 does for HEAD). */
async function statusOf(promise: Promise<unknown>): Promise<number | 'no error'> {
  try {
    await promise;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? -1;
  }
  return 'no error';
}

describe('S3 bucket policy: aws:SecureTransport', () => {
  const s3 = () => new S3Client({ ...config(), forcePathStyle: true });
  let counter = 0;
  async function bucketWithPolicy(statements: object[]): Promise<string> {
    const Bucket = `patch-test-${(counter += 1)}`;
    await s3().send(new CreateBucketCommand({ Bucket }));
    const Policy = JSON.stringify({ Version: '2012-10-17', Statement: statements });
    await s3().send(new PutBucketPolicyCommand({ Bucket, Policy }));
    return Bucket;
  }
  const denyUnless = (bool: string, key = 'aws:SecureTransport') => (Bucket: string) => ({
    Effect: 'Deny',
    Principal: '*',
    Action: 's3:*',
    Resource: [`arn:aws:s3:::${Bucket}`, `arn:aws:s3:::${Bucket}/*`],
    Condition: { Bool: { [key]: bool } },
  });

  it('a TLS-only policy (deny when SecureTransport is false) lets requests to the HTTPS stand-in through', async () => {
    const Bucket = await bucketWithPolicy([denyUnless('false')(`patch-test-${counter + 1}`)]);
    await s3().send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'hello' }));
    const body = await (await s3().send(new GetObjectCommand({ Bucket, Key: 'a.txt' }))).Body?.transformToString();
    expect(body).toBe('hello');
  });

  it('condition keys are case-insensitive, as in IAM', async () => {
    const Bucket = await bucketWithPolicy([denyUnless('FALSE', 'AWS:SecureTransport')(`patch-test-${counter + 1}`)]);
    await expect(s3().send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'x' }))).resolves.toBeDefined();
  });

  it('the condition is evaluated, not dropped: deny when SecureTransport is true still denies', async () => {
    const Bucket = await bucketWithPolicy([denyUnless('true')(`patch-test-${counter + 1}`)]);
    expect(await statusOf(s3().send(new PutObjectCommand({ Bucket, Key: 'a.txt', Body: 'x' })))).toBe(403);
  });

  it('an unconditional deny beside the TLS-only statement still denies', async () => {
    const name = `patch-test-${counter + 1}`;
    const Bucket = await bucketWithPolicy([
      denyUnless('false')(name),
      { Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${name}/secret/*` },
    ]);
    await s3().send(new PutObjectCommand({ Bucket, Key: 'secret/a.txt', Body: 'x' }));
    expect(await statusOf(s3().send(new GetObjectCommand({ Bucket, Key: 'secret/a.txt' })))).toBe(403);
    await s3().send(new PutObjectCommand({ Bucket, Key: 'public/a.txt', Body: 'x' }));
    await expect(s3().send(new GetObjectCommand({ Bucket, Key: 'public/a.txt' }))).resolves.toBeDefined();
  });
});

describe('Step Functions: ValidateStateMachineDefinition and ListStateMachineVersions', () => {
  const sfn = () => new SFNClient(config());
  const definition = JSON.stringify({ StartAt: 'Done', States: { Done: { Type: 'Succeed' } } });
  const roleArn = 'arn:aws:iam::123456789012:role/patch-test';

  it('a JSON definition is OK with no diagnostics', async () => {
    const result = await sfn().send(new ValidateStateMachineDefinitionCommand({ definition, type: 'STANDARD' }));
    expect(result).toEqual(expect.objectContaining({ result: 'OK', diagnostics: [] }));
  });

  it('a definition that is not JSON FAILs with an INVALID_JSON_DESCRIPTION error', async () => {
    const result = await sfn().send(new ValidateStateMachineDefinitionCommand({ definition: '{"StartAt": ' }));
    expect(result.result).toBe('FAIL');
    expect(result.diagnostics).toEqual([expect.objectContaining({ severity: 'ERROR', code: 'INVALID_JSON_DESCRIPTION' })]);
  });

  it('an unknown type is a ValidationException', async () => {
    const call = sfn().send(new ValidateStateMachineDefinitionCommand({ definition, type: 'FAST' as never }));
    expect(await errorName(call)).toBe('ValidationException');
  });

  it('lists no versions for a machine never published, and published versions newest first', async () => {
    const plain = await sfn().send(new CreateStateMachineCommand({ name: 'never-published', definition, roleArn }));
    expect((await sfn().send(new ListStateMachineVersionsCommand({ stateMachineArn: plain.stateMachineArn }))).stateMachineVersions).toEqual([]);

    const published = await sfn().send(new CreateStateMachineCommand({ name: 'published', definition, roleArn, publish: true }));
    await sfn().send(new UpdateStateMachineCommand({ stateMachineArn: published.stateMachineArn, definition, publish: true }));
    const { stateMachineVersions = [] } = await sfn().send(new ListStateMachineVersionsCommand({ stateMachineArn: published.stateMachineArn }));
    expect(stateMachineVersions.map((v) => v.stateMachineVersionArn)).toEqual([`${published.stateMachineArn}:2`, `${published.stateMachineArn}:1`]);
    expect(stateMachineVersions.every((v) => v.creationDate instanceof Date)).toBe(true);
  });

  it('an unknown state machine and a malformed ARN are errors, as in AWS', async () => {
    const unknown = sfn().send(new ListStateMachineVersionsCommand({ stateMachineArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:nope' }));
    expect(await errorName(unknown)).toBe('StateMachineDoesNotExist');
    expect(await errorName(sfn().send(new ListStateMachineVersionsCommand({ stateMachineArn: 'not-an-arn' })))).toBe('InvalidArn');
  });
});

describe('Lambda: LoggingConfig', () => {
  const lambda = () => new LambdaClient(config());
  let Role = '';
  const ZipFile = zipSync({ 'index.js': strToU8('exports.handler = async () => 1;') });

  beforeAll(async () => {
    const iam = new IAMClient(config());
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: 'patch-test-fn',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    Role = role.Role!.Arn!;
  });
  const create = (FunctionName: string, LoggingConfig?: object) =>
    lambda().send(new CreateFunctionCommand({ FunctionName, Role, Runtime: 'nodejs22.x', Handler: 'index.handler', Code: { ZipFile }, LoggingConfig }));

  it('keeps the JSON format and log group it was created with; log levels default to INFO', async () => {
    await create('json-logs', { LogFormat: 'JSON', LogGroup: '/custom/json-logs' });
    const { LoggingConfig } = await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: 'json-logs' }));
    expect(LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: '/custom/json-logs', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO' });
  });

  it('defaults to the Text format and /aws/lambda/<name> without levels', async () => {
    await create('default-logs');
    const { LoggingConfig } = await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: 'default-logs' }));
    expect(LoggingConfig).toEqual({ LogFormat: 'Text', LogGroup: '/aws/lambda/default-logs' });
  });

  it('UpdateFunctionConfiguration changes it; log levels with the Text format are refused', async () => {
    await lambda().send(new UpdateFunctionConfigurationCommand({ FunctionName: 'default-logs', LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG' } }));
    const { LoggingConfig } = await lambda().send(new GetFunctionConfigurationCommand({ FunctionName: 'default-logs' }));
    expect(LoggingConfig).toEqual({ LogFormat: 'JSON', LogGroup: '/aws/lambda/default-logs', ApplicationLogLevel: 'DEBUG', SystemLogLevel: 'INFO' });
    expect(await errorName(create('text-with-level', { LogFormat: 'Text', ApplicationLogLevel: 'DEBUG' }))).toBe('InvalidParameterValueException');
  });
});

describe('API Gateway: UpdateAccount without a value clears the CloudWatch role', () => {
  const apigateway = () => new APIGatewayClient(config());
  const ROLE = 'arn:aws:iam::123456789012:role/apigateway-logs';

  it('sets the role with a value, and clears it with replace and no value (what reset_on_delete sends)', async () => {
    await apigateway().send(new UpdateAccountCommand({ patchOperations: [{ op: 'replace', path: '/cloudwatchRoleArn', value: ROLE }] }));
    expect((await apigateway().send(new GetAccountCommand({}))).cloudwatchRoleArn).toBe(ROLE);
    await apigateway().send(new UpdateAccountCommand({ patchOperations: [{ op: 'replace', path: '/cloudwatchRoleArn' }] }));
    expect((await apigateway().send(new GetAccountCommand({}))).cloudwatchRoleArn).toBeUndefined();
  });

  it('leaves other account operations to moto (features still refuse disabling usage plans)', async () => {
    await apigateway().send(new UpdateAccountCommand({ patchOperations: [{ op: 'add', path: '/features', value: 'UsagePlans' }] }));
    expect(await errorName(apigateway().send(new UpdateAccountCommand({ patchOperations: [{ op: 'remove', path: '/features', value: 'UsagePlans' }] })))).toBe('BadRequestException');
  });
});

describe('launcher', () => {
  it('stops when the process that started it goes away (its stdin closes), leaving the port free', async () => {
    const child = spawn(motoPython(), [join(__dirname, '..', '..', 'local', 'moto', 'launcher.py')], { stdio: ['pipe', 'pipe', 'ignore'] });
    const endpoint = await new Promise<string>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        const match = /"endpoint": "([^"]+)"/.exec(chunk.toString());
        if (match) resolve(match[1]);
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.stdin.end();
    expect(await exited).toBe(0);
    const port = Number(new URL(endpoint).port);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  describe('fails loudly, naming the install command, when moto cannot serve', () => {
    let fakes: string;
    beforeAll(() => {
      fakes = mkdtempSync(join(tmpdir(), 'fake-moto-'));
    });
    afterAll(() => rmSync(fakes, { recursive: true, force: true }));

    function fakeMoto(name: string, initPy: string): NodeJS.ProcessEnv {
      const dir = join(fakes, name, 'moto');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, '__init__.py'), initPy);
      return { ...process.env, PYTHONPATH: join(fakes, name) };
    }

    it('another major version', () => {
      const env = fakeMoto('v4', '__version__ = "4.2.14"\n');
      expect(() => assertMotoAvailable(env)).toThrow(MOTO_INSTALL_HINT);
      expect(() => assertMotoAvailable(env)).toThrow(/moto 4\.2\.14 is installed/);
    });

    it('no moto at all', () => {
      const env = fakeMoto('missing', 'raise ImportError("No module named moto")\n');
      expect(() => assertMotoAvailable(env)).toThrow(MOTO_INSTALL_HINT);
      expect(() => assertMotoAvailable(env)).toThrow(/moto is not installed/);
    });
  });
});
