import { createHash, randomUUID } from 'crypto';
import { unzipSync } from 'fflate';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { Worker } from 'worker_threads';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, LocalFunction } from './synthesized-stack';

/** An error a function threw, in the shape the Lambda service reports it. */
export class LambdaInvocationError extends Error {
  constructor(
    public readonly errorType: string,
    public readonly errorMessage: string,
  ) {
    super(errorMessage);
    this.name = errorType;
  }
}

/** Where code zips are unpacked: inside the repo, so `@aws-sdk/*` resolves from its node_modules, as the Lambda runtime provides it. */
const CODE_ROOT = resolve(__dirname, '..', '.local-run', 'functions');

/** Unpacks a code zip (once per content) and returns the folder holding its files. */
export function unpackedCodeDir(archivePath: string): string {
  const zip = readFileSync(archivePath);
  const dir = join(CODE_ROOT, createHash('sha256').update(zip).digest('hex').slice(0, 16));
  if (!existsSync(join(dir, '.unpacked'))) {
    for (const [name, content] of Object.entries(unzipSync(zip))) {
      if (name.endsWith('/') || name.split('/').includes('..')) continue;
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), content);
    }
    writeFileSync(join(dir, '.unpacked'), '');
  }
  return dir;
}

export interface HostedFunctionOptions {
  /** SDK settings the code gets besides its own environment: endpoints, region, credentials. */
  readonly sdkEnvironment: Readonly<Record<string, string>>;
  /** Where the function's own log lines go. */
  readonly onOutput?: (functionName: string, line: string) => void;
  /** Each AWS call the code makes: its IAM action and resource ARN. */
  readonly onCall?: (call: { action: string; resource: string }) => void;
}

/** One deployed function, run from its code zip in a worker thread with its own environment. */
export class HostedFunction {
  private readonly worker: Worker;
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    public readonly definition: LocalFunction,
    options: HostedFunctionOptions,
  ) {
    const codeDir = unpackedCodeDir(definition.archivePath);
    this.worker = new Worker(join(__dirname, 'function-worker.cjs'), {
      workerData: { codeDir, handler: definition.handler, functionName: definition.functionName, accountId: LOCAL_ACCOUNT_ID, region: LOCAL_REGION, forwardOutput: options.onOutput !== undefined },
      // The worker runs plain JavaScript: no TypeScript loader inherited from the parent.
      execArgv: [],
      env: {
        PATH: process.env.PATH ?? '',
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_LAMBDA_FUNCTION_NAME: definition.functionName,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local-secret',
        ...options.sdkEnvironment,
        ...definition.environment,
      },
      stdout: true,
      stderr: true,
    });
    const forward = (chunk: Buffer) =>
      chunk
        .toString('utf8')
        .split('\n')
        .filter(Boolean)
        .forEach((line) => options.onOutput?.(definition.functionName, line));
    this.worker.stdout.on('data', forward);
    this.worker.stderr.on('data', forward);
    this.worker.on('message', ({ id, result, error, calls }) => {
      for (const awsCall of calls ?? []) options.onCall?.(awsCall);
      const call = this.pending.get(id);
      if (!call) return;
      this.pending.delete(id);
      if (error) call.reject(new LambdaInvocationError(error.errorType, error.errorMessage));
      else call.resolve(result);
    });
    this.worker.on('error', (error) => {
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    });
  }

  public invoke(event: unknown): Promise<unknown> {
    const id = randomUUID();
    return new Promise((resolvePromise, reject) => {
      this.pending.set(id, { resolve: resolvePromise, reject });
      this.worker.postMessage({ id, event, requestId: id });
    });
  }

  public async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
