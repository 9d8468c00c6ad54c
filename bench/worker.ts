// bench/worker.ts: what every benchmark program shares: reading its
// arguments, spawning its TypeScript child, and handing its result to the
// driver (bench/run.ts) as one line of JSON on stdout.
//
// Workers run as separate processes so that each measurement starts from a
// fresh heap and JIT, and so that the driver can pin them to a CPU
// (taskset(1) sets the affinity, which fork and exec inherit).
//
// See: sched_setaffinity(2), taskset(1).
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

// tsx as a file URL: `--import tsx` alone is looked up from the working
// directory, and a benchmark should run from anywhere.
const TSX = import.meta.resolve('tsx');

/** `node --import tsx FILE ...`, for a child running TypeScript. */
export function tsArgs(file: string, args: readonly string[] = []): string[] {
  return ['--import', TSX, file, ...args];
}

/**
 * The command that starts a worker's child: `node --import tsx FILE ...`,
 * under `taskset -c N` when the driver asked for the child on CPU N
 * (FDLAB_BENCH_CHILD_CPU) while the parent runs on another. taskset execs
 * node, and the fds the child inherits (fd 3, Node's IPC channel) survive
 * an exec.
 */
export function childCommand(file: string, args: readonly string[] = []): [string, string[]] {
  const cpu = process.env.FDLAB_BENCH_CHILD_CPU;
  const node: [string, string[]] = [process.execPath, tsArgs(file, args)];
  return cpu === undefined || cpu === '' ? node : ['taskset', ['-c', cpu, node[0], ...node[1]]];
}

/** A path beside this file, as the bench programs name each other. */
export function benchFile(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** The whole number in argv[index], or `fallback` when it is absent. */
export function intArg(index: number, name: string, fallback?: number): number {
  const text = process.argv[index];
  if (text === undefined && fallback !== undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, not ${JSON.stringify(text)}`);
  return value;
}

/** Fails the run with a message that says what came back instead. */
export function check(ok: boolean, what: () => string): asserts ok {
  if (!ok) throw new Error(what());
}

/** Waits for a child to exit and fails unless it exited 0. */
export async function reap(child: ChildProcess, name: string): Promise<void> {
  const [code, signal] =
    child.exitCode !== null || child.signalCode !== null
      ? [child.exitCode, child.signalCode]
      : ((await once(child, 'exit')) as [number | null, NodeJS.Signals | null]);
  if (code !== 0) throw new Error(`the ${name} child failed (${signal ?? `exit code ${code}`})`);
}

/** The one line the driver reads; anything else a worker prints goes to stderr. */
export function report(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Runs a worker's main, turning any failure into a message and exit code 1. */
export function runMain(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${process.argv[1]}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
