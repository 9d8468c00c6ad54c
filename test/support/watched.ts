// test/support/watched.ts: a child process whose output a test can wait on,
// line by line, to act at a given step (kill it, kill its child), and whose
// processes it can wait to see gone, by pid. Every wait is bounded, but
// generously: it fails only if the thing never happens, not if it is slow.
//
// See: kill(2), proc(5) (/proc/pid/stat), wait(2).
import { spawn, type ChildProcess } from 'node:child_process';
import { processState } from './processes.ts';
import { TS_LOADER } from '../../kit/ts-loader.ts';

/** How long a bounded wait gives something that should happen at once. */
export const GENEROUS_MS = 5000;

export interface Watched {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr together. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output, when it is printed. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpExecArray>;
  /** Resolves when the process has exited and its output pipes have closed. */
  closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function watch(command: string, args: string[], env: NodeJS.ProcessEnv = {}): Watched {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    text += chunk;
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    output: () => text,
    closed,
    waitFor(pattern, ms = GENEROUS_MS) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(text);
          if (match === null) return;
          finish();
          resolve(match);
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${pattern} never appeared in ${ms} ms; the output was:\n${text}`));
        }, ms);
        const finish = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs `node --import tsx/esm file args` (kit/ts-loader.ts) under watch(). */
export function watchTs(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Watched {
  return watch(process.execPath, [...TS_LOADER, file, ...args], env);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Waits until `pid` has exited: gone, or a zombie whose parent is not us
 * (an orphan is reaped by whatever adopted it, which may take its time).
 * Returns the state seen last: 'running' means it never exited in `ms`.
 */
export async function exitOfPid(pid: number, ms = GENEROUS_MS): Promise<'running' | 'zombie' | 'gone'> {
  const deadline = Date.now() + ms;
  for (;;) {
    const state = processState(pid);
    if (state !== 'running' || Date.now() > deadline) return state;
    await sleep(20);
  }
}
