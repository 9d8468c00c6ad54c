// kit/check/children.ts: child processes in checks. Every child's output is
// kept, so a check that gives up waiting can show what the child said last;
// every child is killed and reaped when its test ends.
//
// See: wait(2), kill(2).
import type { ChildProcess } from 'node:child_process';

export interface Tracked {
  child: ChildProcess;
  output(): string;
  /** The child's last lines of output, indented for a failure message, or "(nothing)". */
  lastOutput(): string;
  /** Resolves with the exit once reaped, or fails after `ms` showing the child's last output. */
  exit(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Like exit(ms), once the child's stdout and stderr are drained too (all its output is in output()). */
  finished(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

export function track(child: ChildProcess): Tracked {
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      running.delete(child);
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
    child.once('error', () => {
      running.delete(child);
      resolve({ code: null, signal: null });
    });
  });
  // Listened for now: 'close' may come before anyone asks for it.
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const lastOutput = (): string => output.trim().split('\n').slice(-15).join('\n    ') || '(nothing)';
  const exit = (ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`the child (pid ${child.pid}) was still running after ${ms} ms; its last output:\n    ${lastOutput()}`));
      }, ms);
    });
    return Promise.race([exited, late]).finally(() => clearTimeout(timer));
  };
  return {
    child,
    output: () => output,
    lastOutput,
    exit,
    async finished(ms) {
      const result = await exit(ms);
      await closed;
      return result;
    },
  };
}

/** Kills and reaps every tracked child still running (call from afterEach). */
export async function reapAll(): Promise<void> {
  const left = [...running];
  await Promise.all(
    left.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}
