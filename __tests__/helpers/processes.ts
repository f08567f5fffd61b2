import { ChildProcess } from 'child_process';
import { readFileSync, readdirSync } from 'fs';

/**
 * Process-tree checks for the tests that stop a command with a signal (Linux `/proc`): which
 * processes a command started, and whether any of them still runs once it is stopped.
 */

function stat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: read after its last ')'.
    const [state, ppid] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(ppid), state };
  } catch {
    return undefined;
  }
}

/** Whether `pid` still runs: it exists and is not a zombie waiting to be reaped. */
export function isRunning(pid: number): boolean {
  const found = stat(pid);
  return found !== undefined && found.state !== 'Z';
}

/** Every process below `pid` (children, their children, ...), as they are now. */
export function descendantsOf(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const found = stat(Number(entry));
    if (found) children.set(found.ppid, [...(children.get(found.ppid) ?? []), Number(entry)]);
  }
  const all: number[] = [];
  const walk = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      all.push(child);
      walk(child);
    }
  };
  walk(pid);
  return all;
}

/** Resolves with the exit code (or signal name) of `child` and how long it took from now. */
export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode, ms: 0 });
    else child.once('exit', (code, signal) => resolve({ code, signal, ms: Date.now() - started }));
  });
}

/** Waits up to `ms` for every pid in `pids` to stop running; returns those still running. */
export async function stillRunningAfter(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const running = pids.filter(isRunning);
    if (running.length === 0 || Date.now() >= deadline) return running;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Sends `signal` to `child`'s process alone, as a process manager does, and reports how it stopped:
 * its exit, how long that took, and which of the processes it had started still run `limitMs` after
 * the signal. A child still running 5 s after the limit, and what it started, are killed, so a
 * failing test leaves nothing behind.
 */
export async function signalAlone(
  child: ChildProcess,
  signal: NodeJS.Signals,
  limitMs = 2000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number; stillRunning: number[] }> {
  const started = descendantsOf(child.pid!);
  const exited = exitOf(child);
  child.kill(signal);
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([exited, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), limitMs + 5000)))]);
  clearTimeout(timer);
  if (!result) {
    for (const pid of [child.pid!, ...started]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    return { code: null, signal: null, ms: Infinity, stillRunning: started.filter(isRunning) };
  }
  return { ...result, stillRunning: await stillRunningAfter(started, Math.max(0, limitMs - result.ms)) };
}
