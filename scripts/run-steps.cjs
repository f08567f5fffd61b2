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
// commands, which run without a shell, in order, until one fails. Arguments npm appends (as in
// `npm test -- -t name`) go to the last command, as they did in a `a && b` script.
// The exit status is the last command's; a command killed by a signal kills the runner with it.
'use strict';
const { spawn } = require('child_process');
const { constants } = require('os');

const SEPARATOR = '&&';
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The commands in `argv`, split at each '&&'. */
function commandsOf(argv) {
  const commands = [[]];
  for (const arg of argv) {
    if (arg === SEPARATOR) commands.push([]);
    else commands[commands.length - 1].push(arg);
  }
  if (commands.some((command) => command.length === 0)) {
    throw new Error(`run-steps: an empty command in ${JSON.stringify(argv)}; usage: run-steps.cjs <command> ['&&' <command> ...]`);
  }
  return commands;
}

let current;
let received;

function forward(signal) {
  received = received ?? signal;
  if (!current) return;
  try {
    process.kill(-current.pid, signal);
  } catch {
    // The group is gone already: the command exited between the signal and here.
  }
}

/** Runs one command in a process group of its own; resolves with its exit code or signal. */
function run([command, ...args]) {
  return new Promise((resolve) => {
    current = spawn(command, args, { stdio: 'inherit', detached: true });
    // A signal that came before the command started stops it too.
    if (received) forward(received);
    current.once('error', (error) => {
      console.error(`run-steps: cannot run ${command}: ${error.message}`);
      resolve({ code: 127 });
    });
    current.once('exit', (code, signal) => resolve({ code, signal }));
  });
}

async function main() {
  const commands = commandsOf(process.argv.slice(2));
  for (const signal of FORWARDED) process.on(signal, () => forward(signal));
  for (const [i, command] of commands.entries()) {
    const { code, signal } = await run(command);
    current = undefined;
    if (signal) {
      // The command died of the signal: die of it too, so npm and shells see the same status.
      for (const forwarded of FORWARDED) process.removeAllListeners(forwarded);
      process.kill(process.pid, signal);
      return;
    }
    if (code !== 0) {
      process.exitCode = code ?? 1;
      return;
    }
    if (received && i < commands.length - 1) {
      // Stopped on request between two commands: the rest do not run.
      process.exitCode = 128 + constants.signals[received];
      return;
    }
  }
}

main().catch((error) => {
  console.error(error.message);
  process.exitCode = 2;
});
