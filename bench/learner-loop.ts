// bench/learner-loop.ts: how long a learner waits. Times `make lab-1` with
// nothing to rebuild, `make lab-1` after an edit to a lab's .cc (the labs
// addon rebuilds, then the check runs), and a fresh clone's `make setup`.
//
// The edit is a comment appended to labs/01-socketpair/socketpair.cc. The
// file is put back byte for byte, with its old modification time (so make
// sees the tree as it was), on success, on failure and on Ctrl-C; a copy
// waits in bench/build/ meanwhile, so that even a run killed outright is
// undone by the next one. A lab check that fails (the learner has not
// written the lab yet) is still a valid timing: only the time counts.
//
// See: make(1), git-clone(1), utimensat(2) (the restored mtime).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.ts';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const EDITED_FILE = join(root, 'labs', '01-socketpair', 'socketpair.cc');
const BACKUP_DIR = join(root, 'bench', 'build');

/** What the edit appends: a comment, so the code and the check's result are unchanged. */
export const EDIT_MARK = '\n// fdlab bench: a comment-only edit that times the rebuild; removed when the bench ends\n';

export interface Timed {
  ms: number;
  code: number | null;
}

export interface Step {
  command: string;
  runs: Timed[];
  medianMs: number;
}

export type LearnerLoopResult =
  | { available: false; reason: string }
  | {
      available: true;
      warm: Step;
      edited: Step & { file: string };
      fresh: { clone: Timed; setup: Timed; totalMs: number; from: string } | { error: string };
    };

// `make bench` is itself a make: without these, each timed `make` would run
// as its sub-make (MAKELEVEL=1, the parent's flags and jobserver), not as
// the top-level command a learner types.
const MAKE_VARIABLES = ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES'];

/** Runs a command, its output to `log`; resolves with the wall time and exit code. */
export function timeCommand(command: string, args: readonly string[], cwd: string, log: string[]): Promise<Timed> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  for (const name of MAKE_VARIABLES) delete env[name];
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env });
    child.stdout.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - start, code }));
  });
}

/** Whether make knows `target` here (without running it). */
export async function hasMakeTarget(target: string, cwd = root): Promise<boolean> {
  const log: string[] = [];
  const run = await timeCommand('make', ['--no-print-directory', '-n', target], cwd, log);
  return run.code === 0 && !/No rule to make target/.test(log.join(''));
}

function backupPath(file: string): string {
  return join(BACKUP_DIR, `${relative(root, file).replaceAll('/', '__')}.orig`);
}

/**
 * Undoes an edit a killed run left behind: only when the file is exactly
 * the backup plus our mark, so a learner's own later edits are never lost.
 */
export function recoverLeftoverEdit(file: string, backup = backupPath(file)): boolean {
  if (!existsSync(backup)) return false;
  const original = readFileSync(backup);
  const current = existsSync(file) ? readFileSync(file) : undefined;
  const ours = current !== undefined && current.equals(Buffer.concat([original, Buffer.from(EDIT_MARK)]));
  if (ours) writeFileSync(file, original);
  rmSync(backup);
  return ours;
}

export interface EditOptions {
  /** Where the original waits meanwhile (default: bench/build/). */
  backup?: string;
  /** Told when the file was changed by someone else meanwhile and is left alone. */
  warn?: (message: string) => void;
}

/**
 * Runs `body` with `file` edited by appending EDIT_MARK, then puts the file
 * back (bytes and modification time) however `body` ends, including a
 * SIGINT, SIGTERM or SIGHUP meanwhile. If someone else changed the file in
 * the meantime, their version is left alone.
 */
export async function withTemporaryEdit<T>(file: string, body: () => Promise<T>, options: EditOptions = {}): Promise<T> {
  const backup = options.backup ?? backupPath(file);
  const warn = options.warn ?? ((message: string) => process.stderr.write(`bench: ${message}\n`));
  const original = readFileSync(file);
  // In seconds with the nanoseconds as a fraction: as close as utimes(2)
  // can be asked from JavaScript (a Date would drop everything below 1 ms).
  const times = statSync(file, { bigint: true });
  const [atime, mtime] = [Number(times.atimeNs) / 1e9, Number(times.mtimeNs) / 1e9];
  const edited = Buffer.concat([original, Buffer.from(EDIT_MARK)]);
  mkdirSync(join(backup, '..'), { recursive: true });
  writeFileSync(backup, original);

  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    const current = existsSync(file) ? readFileSync(file) : undefined;
    if (current === undefined || current.equals(edited)) {
      writeFileSync(file, original);
      utimesSync(file, atime, mtime);
    } else {
      warn(`${relative(root, file)} was changed by someone else meanwhile; left as it is`);
    }
    rmSync(backup, { force: true });
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    restore();
    // Die of the same signal, as if we had not caught it.
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const signal of signals) process.on(signal, onSignal);
  try {
    writeFileSync(file, edited);
    return await body();
  } finally {
    restore();
    for (const signal of signals) process.removeListener(signal, onSignal);
  }
}

async function repeat(command: string, args: string[], times: number, log: string[], before?: () => void): Promise<Step> {
  const runs: Timed[] = [];
  for (let i = 0; i < times; i++) {
    before?.();
    log.push(`\n$ ${command} ${args.join(' ')}\n`);
    runs.push(await timeCommand(command, args, root, log));
  }
  return { command: `${command} ${args.join(' ')}`, runs, medianMs: median(runs.map((r) => r.ms)) };
}

export interface LearnerLoopOptions {
  runs: number;
  /** Where the commands' output goes, for when a time looks wrong. */
  logFile: string;
  progress: (line: string) => void;
}

export async function measureLearnerLoop(opts: LearnerLoopOptions): Promise<LearnerLoopResult> {
  const log: string[] = [];
  try {
    if (recoverLeftoverEdit(EDITED_FILE)) opts.progress(`undid the edit an interrupted run left in ${relative(root, EDITED_FILE)}`);
    if (!(await hasMakeTarget('lab-1'))) {
      return { available: false, reason: 'this checkout has no `make lab-1` target' };
    }

    // One untimed run brings every build up to date: then nothing is left to rebuild.
    opts.progress('make lab-1, once untimed so that nothing is left to build');
    await timeCommand('make', ['lab-1'], root, log);
    opts.progress(`make lab-1 with nothing to rebuild, ${opts.runs} times`);
    const warm = await repeat('make', ['lab-1'], opts.runs, log);

    opts.progress(`make lab-1 after an edit to ${relative(root, EDITED_FILE)}, ${opts.runs} times`);
    const edited = await withTemporaryEdit(EDITED_FILE, () =>
      // Touching the edited file each time makes every run a rebuild.
      repeat('make', ['lab-1'], opts.runs, log, () => utimesSync(EDITED_FILE, new Date(), new Date())),
    );

    opts.progress('a fresh clone: git clone, then make setup (npm ci and both builds)');
    const fresh = await freshSetup(log);
    return { available: true, warm, edited: { ...edited, file: relative(root, EDITED_FILE) }, fresh };
  } finally {
    mkdirSync(join(opts.logFile, '..'), { recursive: true });
    writeFileSync(opts.logFile, log.join(''));
  }
}

/** Clones this repository's HEAD into a temp dir, times `make setup` there, removes it. */
async function freshSetup(log: string[]): Promise<{ clone: Timed; setup: Timed; totalMs: number; from: string } | { error: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-fresh-'));
  try {
    const target = join(dir, 'fdlab');
    log.push(`\n$ git clone --quiet ${root} ${target}\n`);
    const clone = await timeCommand('git', ['clone', '--quiet', root, target], dir, log);
    if (clone.code !== 0) return { error: `git clone failed with exit code ${clone.code}` };
    log.push('\n$ make setup\n');
    const setup = await timeCommand('make', ['setup'], target, log);
    if (setup.code !== 0) return { error: `make setup failed with exit code ${setup.code} (its output is in the log)` };
    return { clone, setup, totalMs: clone.ms + setup.ms, from: 'HEAD of this checkout (committed files only)' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
