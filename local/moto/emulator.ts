import { ChildProcess, spawn, spawnSync } from 'child_process';
import { join } from 'path';

/**
 * Starts and stops the patched moto server (local/moto/launcher.py) that
 * `npm run deploy:local` and the deploy test apply the stack against.
 */

export const MOTO_VERSION = '5.2.1';
export const MOTO_INSTALL_HINT = `pip install 'moto[server]==${MOTO_VERSION}'`;
const LAUNCHER = join(__dirname, 'launcher.py');
/** moto's default account: what its STS reports unless the emulator is started as another. */
export const DEFAULT_ACCOUNT_ID = '123456789012';

/** The Python that has moto: `MOTO_PYTHON`, else `python3` on the PATH (the one `moto_server` runs with). */
export function motoPython(): string {
  return process.env.MOTO_PYTHON ?? 'python3';
}

/** Returns the moto version, or throws (never skips) saying what to install. */
export function assertMotoAvailable(env: NodeJS.ProcessEnv = process.env): string {
  const check = spawnSync(motoPython(), [LAUNCHER, '--check'], { encoding: 'utf8', env });
  if (check.error) {
    throw new Error(`Cannot run ${motoPython()} (${check.error.message}). Install Python 3 and moto: ${MOTO_INSTALL_HINT}`);
  }
  if (check.status !== 0) {
    const reason = check.stderr.trim().split('\n').pop() ?? '';
    throw new Error(`The local AWS emulator cannot start: ${reason || `exit ${check.status}`}.\nInstall it with: ${MOTO_INSTALL_HINT}`);
  }
  return (JSON.parse(check.stdout) as { moto: string }).moto;
}

export interface Emulator {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly pid: number;
  /** The account it answers as (STS, ARNs, where resources live). */
  readonly accountId: string;
  /** Resolves with the exit code when the server exits, for whatever reason. */
  readonly exited: Promise<number | null>;
  /**
   * Stops the server (SIGTERM, then SIGKILL after `graceMs`) and waits for it to exit (idempotent).
   * Its state is in memory: a short grace loses nothing a caller still wants.
   * @default graceMs 5000
   */
  stop(graceMs?: number): Promise<void>;
}

export interface StartEmulatorOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Receives the server's request log and errors, line by line. @default discarded */
  readonly log?: (line: string) => void;
  /** How long to wait for the server to listen. @default 60 s */
  readonly startTimeoutMs?: number;
  /**
   * The account the emulator answers as (moto's `MOTO_ACCOUNT_ID`): its STS reports it, so a
   * provider pinned to it (`allowed_account_ids`) deploys.
   * @default moto's own, 123456789012
   */
  readonly accountId?: string;
}

/** Starts the patched moto server on 127.0.0.1 and resolves once it listens. */
export function startEmulator(options: StartEmulatorOptions = {}): Promise<Emulator> {
  // stdin stays an open pipe: the launcher exits when it closes, so the
  // emulator dies with this process even if it is killed without cleanup.
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const child = spawn(motoPython(), [LAUNCHER, '--port', String(options.port ?? 0)], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, MOTO_ACCOUNT_ID: accountId },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
    for (const line of chunk.split('\n')) if (line.trim()) options.log?.(line);
  });

  return new Promise<Emulator>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      void stopChild(child, exited);
      reject(new Error(`The emulator did not start within ${options.startTimeoutMs ?? 60_000} ms.\n${stderr}`));
    }, options.startTimeoutMs ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot start ${motoPython()}: ${error.message}. Install moto: ${MOTO_INSTALL_HINT}`));
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`The emulator exited (${code}) before listening:\n${stderr.trim()}\nInstall moto with: ${MOTO_INSTALL_HINT}`));
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.startsWith('{"endpoint"'));
      if (!line) return;
      clearTimeout(timer);
      const ready = JSON.parse(line) as { endpoint: string; pid: number };
      resolve({ endpoint: ready.endpoint, pid: ready.pid, accountId, exited, stop: (graceMs?: number) => stopChild(child, exited, graceMs) });
    });
  });
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.stdin?.end();
  child.kill('SIGTERM');
  const timeout = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timeout);
}
