// kit/check/in-check.ts: loaded by Mocha (--require) in the check process
// that kit/run-check.ts starts, before the reporter and any check. It tells
// the kit, on the channel (FDLAB_CHECK_CHANNEL, a pipe the kit reads), what
// only this process can see when the learner's code ends it:
// - process.exit(n) or process.abort() called from the lab's TypeScript:
//   an `exit-called` / `abort-called` event with the caller's file:line;
// - an unhandled promise rejection fails the test that was running. Mocha
//   catches the event and re-emits it with its own listener removed, so with
//   no other listener the rejection was silently dropped and the lab passed.
// The channel itself is made close-on-exec: the learner's children must not
// inherit the kit's pipe (it would show up in their fd tables as a leak).
//
// See: fcntl(2) (FD_CLOEXEC), process.on('unhandledRejection') in Node's docs.
import { writeSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBinding } from '../../native/binding.ts';
import { openBonus } from '../../native/bonus.ts';
import { loadLabs } from '../manifest.ts';
import { root } from '../paths.ts';

const channel = Number(process.env.FDLAB_CHECK_CHANNEL);
const connected = Number.isInteger(channel) && channel > 2;

/** Writes one event line to the kit; nothing when the channel is gone (the learner's code may have closed it). */
export function tell(event: Record<string, unknown>): void {
  if (!connected) return;
  try {
    writeSync(channel, `${JSON.stringify(event)}\n`);
  } catch {
    // closed under us: the kit notices the silence and says so
  }
}

if (connected) {
  try {
    openBonus('solutions').setCloexec(channel, true);
  } catch {
    // the solutions addon did not load: the check cannot run either, and says why
  }
  // The frame reads FDLAB_CHECK_CHANNEL as an addon loads, to send its crash
  // note there. Load the lab's own addon now too, then drop the variable: a
  // learner's child would otherwise inherit it and take its own fd with that
  // number (its socket, say) for the kit's pipe.
  const lab = Number(process.env.FDLAB_CHECK_LAB);
  if (process.env.FDLAB_CHECK_TREE === 'labs' && loadLabs().some((l) => l.id === lab && l.native)) {
    try {
      loadBinding('labs');
    } catch {
      // not built: run-check said why before the check started
    }
  }
  // This process's reporter still needs the number: it reads it from here.
  process.env.FDLAB_CHECK_REPORT_FD = String(channel);
  delete process.env.FDLAB_CHECK_CHANNEL;
}

/** The first frame of `stack` in the learner's tree or the solutions: file (from the root), line and function. */
export function labFrame(stack: string | undefined): { function: string; file: string; line?: number } | undefined {
  for (const line of (stack ?? '').split('\n').slice(1)) {
    const match = /at (?:(.+?) \()?(file:\/\/\S+?|\/\S+?):(\d+):\d+\)?$/.exec(line.trim());
    if (match === null) continue;
    const path = match[2]!.startsWith('file:') ? fileURLToPath(match[2]!) : match[2]!;
    const file = relative(root, path);
    if (!/^(labs|solutions)\/\d\d-[^/]+\//.test(file) || file.endsWith('check.spec.ts')) continue;
    return { function: match[1] ?? '(top level)', file, line: Number(match[3]) };
  }
  return undefined;
}

const realExit = process.exit.bind(process);
process.exit = ((code?: number | string | null) => {
  tell({ event: 'exit-called', code: code ?? process.exitCode ?? 0, where: labFrame(new Error().stack) ?? null });
  return realExit(code);
}) as typeof process.exit;

const realAbort = process.abort.bind(process);
process.abort = (() => {
  tell({ event: 'abort-called', where: labFrame(new Error().stack) ?? null });
  return realAbort();
}) as typeof process.abort;

process.on('unhandledRejection', (reason: unknown) => {
  const why = reason instanceof Error ? reason.message : String(reason);
  const error = new Error(`(unhandled promise rejection) ${why}\n  A promise rejected and nothing awaited it or caught it: a missing await, or a .catch() left out?`);
  if (reason instanceof Error && reason.stack !== undefined) error.stack = `${error.message}\n${reason.stack.split('\n').slice(1).join('\n')}`;
  // Mocha's own listener turns an uncaught exception into the running test's failure.
  if (process.listenerCount('uncaughtException') > 0) process.emit('uncaughtException', error);
  else throw error;
});
