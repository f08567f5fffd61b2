#!/usr/bin/env node
// Every npm script runs through this file: `exec node scripts/run-steps.cjs <command> ['&&' <command> ...]`.
//
// Why: npm runs a script with `sh -c '<script>'` and hands SIGINT and SIGTERM to that shell only.
// dash (Debian's sh) neither passes a signal on to the command it waits for nor replaces itself
// with it: on SIGINT it keeps waiting, on SIGTERM it dies and leaves the command running. So a
// process manager, an IDE's stop button or `timeout`, which signal npm's process alone, never
// stopped `npm run local`. `exec` puts this runner in the shell's place, where npm's signal lands;
// the runner starts each command in a process group of its own and passes a signal on to that
// whole group, which is what a terminal's Ctrl-C does (it signals the foreground group).
//
// Each argument is one word (the shell of npm's `sh -c` has split them); a quoted '&&' separates
// steps, which run without a shell, in order, until one fails. A quoted '//' joins commands into
// one step whose commands run side by side (`npm test` overlaps CPU-bound checks with tests that
// mostly wait on Terraform and the emulator); the step fails when any of them fails, after all
// have finished, and each line they print starts with the command's name. Arguments npm appends
// (as in `npm test -- -t name`) go to the last command, as they did in a `a && b` script.
// With more than one command, the runner prints how long each took (stderr), so a slow step shows
// in every log. The exit status is the failed command's; a command killed by a signal kills the
// runner with it.
'use strict';
const { spawn } = require('child_process');
const { constants } = require('os');

const SEQUENCE = '&&';
const BESIDE = '//';
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The steps in `argv`, split at each '&&'; each step's commands, split at each '//'. */
function stepsOf(argv) {
  const steps = [[[]]];
  for (const arg of argv) {
    const step = steps[steps.length - 1];
    if (arg === SEQUENCE) steps.push([[]]);
    else if (arg === BESIDE) step.push([]);
    else step[step.length - 1].push(arg);
  }
  if (steps.some((step) => step.some((command) => command.length === 0))) {
    throw new Error(`run-steps: an empty command in ${JSON.stringify(argv)}; usage: run-steps.cjs <command> ['&&'|'//' <command> ...]`);
  }
  return steps;
}

/** A short name for a command in logs: the script of `npm run <script>`, else its words, shortened. */
function labelOf([command, ...args]) {
  if (command === 'npm' && args[0] === 'run' && args[1]) return args[1];
  const words = [command.split('/').pop(), ...args].join(' ');
  return words.length > 48 ? `${words.slice(0, 47)}…` : words;
}

const running = new Set();
let received;

function forward(signal) {
  received = received ?? signal;
  for (const child of running) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is gone already: the command exited between the signal and here.
    }
  }
}

/** Copies `from` to `to` line by line, each line starting with `prefix`. */
function prefixLines(from, to, prefix) {
  let partial = '';
  from.setEncoding('utf8');
  from.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    if (lines.length > 0) to.write(lines.map((line) => `${prefix}${line}\n`).join(''));
  });
  from.on('end', () => {
    if (partial) to.write(`${prefix}${partial}\n`);
  });
}

/** Runs one command in a process group of its own; resolves with its exit code or signal, and how long it ran. */
function run([command, ...args], prefix) {
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: prefix ? ['inherit', 'pipe', 'pipe'] : 'inherit', detached: true });
    running.add(child);
    if (prefix) {
      prefixLines(child.stdout, process.stdout, prefix);
      prefixLines(child.stderr, process.stderr, prefix);
    }
    // A signal that came before the command started stops it too.
    if (received) forward(received);
    const done = (result) => {
      running.delete(child);
      resolve({ ...result, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    };
    child.once('error', (error) => {
      console.error(`run-steps: cannot run ${command}: ${error.message}`);
      done({ code: 127 });
    });
    // 'close', not 'exit': the piped output has been read to its end.
    child.once('close', (code, signal) => done({ code, signal }));
  });
}

async function main() {
  const steps = stepsOf(process.argv.slice(2));
  const timed = steps.flat().length > 1;
  const started = process.hrtime.bigint();
  for (const signal of FORWARDED) process.on(signal, () => forward(signal));
  for (const [i, step] of steps.entries()) {
    const results = await Promise.all(
      step.map(async (command) => {
        const label = labelOf(command);
        const result = await run(command, step.length > 1 ? `[${label}] ` : undefined);
        if (timed) {
          const status = result.signal ? `killed by ${result.signal}` : result.code === 0 ? 'ok' : `exit ${result.code}`;
          console.error(`run-steps: ${label}: ${result.seconds.toFixed(1)} s, ${status}`);
        }
        return result;
      }),
    );
    const signalled = results.find((result) => result.signal);
    if (signalled) {
      // The command died of the signal: die of it too, so npm and shells see the same status.
      for (const forwarded of FORWARDED) process.removeAllListeners(forwarded);
      process.kill(process.pid, signalled.signal);
      return;
    }
    const failed = results.find((result) => result.code !== 0);
    if (failed) {
      process.exitCode = failed.code ?? 1;
      return;
    }
    if (received && i < steps.length - 1) {
      // Stopped on request between two steps: the rest do not run.
      process.exitCode = 128 + constants.signals[received];
      return;
    }
  }
  if (timed) console.error(`run-steps: all ${steps.flat().length} commands: ${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 2;
});
