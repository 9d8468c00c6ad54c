// kit/run-check.ts: runs one lab's Mocha check against one tree, and is the
// only one to decide and print its verdict and write its result.
//
// Before the check: the addons it needs are built (kit/build.ts), and the
// lab's TypeScript is parsed and linked (kit/ts-precheck.ts): a file that
// does not load is a compile error in well under a second, before any test.
// Beside it: the type check of the lab's TypeScript (kit/type-check.ts).
//
// The check process runs in a process group of its own (a new session:
// spawn's `detached`) with its own TMPDIR, stdin from /dev/null, its stdout
// and stderr through the kit, and one more pipe, the channel (fd 3, named by
// FDLAB_CHECK_CHANNEL), on which its reporter and the native frame write one
// JSON event per line: test-start, test-end, run-end, crash-in,
// crash-outside-lab, exit-called, abort-called. As soon as the verdict is
// known (run-end, the process's end, or the deadline), the whole group is
// ended, SIGTERM then SIGKILL, and so is any process that left the group but
// carries the run's mark (FDLAB_CHECK_RUN) in its environment; then the temp
// dir is removed. Whatever the learner's code did (exit, crash, hang, fork,
// close stdout), the kit still knows which test was running and says so.
//
//   FDLAB_CHECK_DEADLINE_MS=n   stop a check when one test has run n ms
//                               (default 60000; loading, before the first
//                               test, at least that), or the whole check 5 n
//   FDLAB_CHECK_TYPES=0         skip the type check
//
// See: setsid(2), killpg(2), proc(5), pipe(7).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Tree } from '../native/binding.ts';
import { buildTree, ensureBuilt, printOutcome } from './build.ts';
import { checkFile, labFile, type Lab } from './manifest.ts';
import { root } from './paths.ts';
import { checkActivity, groupMembers, processesMarked, signalGroup, signalProcess } from './proc-activity.ts';
import { writeResult, type CheckResult } from './state.ts';
import { paint } from './terminal.ts';
import { precheckTypeScript } from './ts-precheck.ts';
import { startTypeCheck, type TypeCheck } from './type-check.ts';
import type { CrashSite, Diagnostic, LabCode, ProcessActivity, Verdict } from './verdict.ts';
import { failureLines, verdictLines } from './verdict-text.ts';
import { TS_LOADER } from './ts-loader.ts';

const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const DEFAULT_DEADLINE_MS = 60_000;
/** How many deadlines a whole check may take, however steadily its tests go by. */
const TOTAL_DEADLINES = 5;
/** How long the group has to go after SIGTERM before SIGKILL. */
const TERM_GRACE_MS = 300;
/** How long to wait for the output pipes to close once every process holding them is killed. */
const DRAIN_MS = 2_000;
const CHANNEL_FD = 3;
const STDERR_LINES = 6;
const LINE_MAX = 160;

export interface RunOptions {
  /** Keep the check's output and verdict to ourselves (for `make status`). */
  quiet?: boolean;
}

function deadlineMs(): number {
  const fromEnv = Number(process.env.FDLAB_CHECK_DEADLINE_MS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_DEADLINE_MS;
}

function resultOf(lab: Lab, tree: Tree, verdict: Verdict, counts: Pick<CheckResult, 'passed' | 'failed' | 'skipped' | 'failures'>): CheckResult {
  return { lab: lab.id, tree, verdict, ...counts, at: new Date().toISOString() };
}

/** What the check process told the kit on the channel. */
class Heard {
  /** The test (or hook) running now: started, not ended. */
  running: string | null = null;
  passed = 0;
  failed = 0;
  skipped = 0;
  failures: { title: string; message: string }[] = [];
  runEnd: { passed: number; failed: number; skipped: number } | undefined;
  crash: CrashSite | undefined;
  exitCalled: { code: number | null; where: LabCode | null } | undefined;
  abortCalled: { where: LabCode | null } | undefined;
  onRunEnd: () => void = () => {};
  onTestStart: () => void = () => {};

  take(line: string): void {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return; // not ours: a line the learner's code wrote to fd 3
    }
    const title = typeof event.title === 'string' ? event.title : null;
    switch (event.event) {
      case 'test-start':
        this.running = title;
        this.onTestStart();
        break;
      case 'test-end':
        if (this.running === title) this.running = null;
        if (event.hook === true) break;
        if (event.state === 'passed') this.passed += 1;
        if (event.state === 'pending') this.skipped += 1;
        if (event.state === 'failed') {
          this.failed += 1;
          this.failures.push({ title: title ?? '(a test)', message: typeof event.message === 'string' ? event.message : '' });
        }
        break;
      case 'run-end':
        this.runEnd = { passed: Number(event.passed) || 0, failed: Number(event.failed) || 0, skipped: Number(event.skipped) || 0 };
        this.onRunEnd();
        break;
      case 'crash-in':
        this.crash = { function: String(event.function), file: String(event.file) };
        break;
      case 'crash-outside-lab':
        this.crash = 'outside-lab';
        break;
      case 'exit-called':
        this.exitCalled = { code: typeof event.code === 'number' ? event.code : null, where: (event.where as LabCode | null) ?? null };
        break;
      case 'abort-called':
        this.abortCalled = { where: (event.where as LabCode | null) ?? null };
        break;
    }
  }
}

/** Calls `onLine` for each whole line of `stream`. */
function lines(stream: Readable, onLine: (line: string) => void): void {
  let partial = '';
  stream.on('data', (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    for (const part of parts) onLine(part);
  });
  stream.on('end', () => {
    if (partial !== '') onLine(partial);
  });
}

/** The last `bytes` of what a stream said. */
class Tail {
  private text = '';
  constructor(private readonly bytes: number) {}
  add(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-this.bytes);
  }
  lastLines(count: number): string[] {
    return this.text
      .split('\n')
      .map((line) => line.trimEnd())
      .filter((line) => line.trim() !== '')
      .slice(-count)
      .map((line) => (line.length > LINE_MAX ? `${line.slice(0, LINE_MAX - 3)}...` : line));
  }
  get all(): string {
    return this.text;
  }
}

/** Whether pid is alive and not exiting: a process that exits closes its output before it becomes a zombie. */
function stillRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZXx]/.test(stat.slice(stat.lastIndexOf(')') + 2));
  } catch {
    return false;
  }
}

const OUTPUT_FDS = [
  { fd: 1, name: 'stdout' },
  { fd: 2, name: 'stderr' },
] as const;

/** What fd of process pid refers to ("pipe:[1234]"), or undefined if it is not open (or pid is gone). */
function fdTarget(pid: number, fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/fd/${fd}`);
  } catch {
    return undefined;
  }
}

function until<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

type Ending = { by: 'run-end' } | { by: 'exit' } | { by: 'deadline'; doing: ProcessActivity[]; test: string | null } | { by: 'signal'; signal: NodeJS.Signals };

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

interface CheckRun {
  heard: Heard;
  ending: Ending;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stdout: Tail;
  stderr: Tail;
  /** Which of the check's outputs closed while it still ran (the learner's code closed fd 1 or 2?). */
  cut: string[];
}

/** Runs the check process to its end, ends everything it started, removes its temp dir. */
async function runProcess(lab: Lab, tree: Tree, quiet: boolean): Promise<CheckRun> {
  const tempDir = mkdtempSync(join(tmpdir(), 'fdlab-check-'));
  // tsx keeps its compile cache in $TMPDIR/tsx-<euid>: the check's TMPDIR
  // points at the kit's, or every check would compile everything anew.
  const tsxCache = `tsx-${process.geteuid?.() ?? 'user'}`;
  mkdirSync(join(tmpdir(), tsxCache), { recursive: true, mode: 0o700 });
  symlinkSync(join(tmpdir(), tsxCache), join(tempDir, tsxCache));
  const mark = randomUUID();
  const heard = new Heard();
  const stdout = new Tail(16 << 10);
  const stderr = new Tail(16 << 10);
  const cut: string[] = [];
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...TS_LOADER, mocha, '--config', join(root, 'kit', 'check.mocharc.json'), checkFile(lab)], {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        // FDLAB_TREE is not passed on: a check chooses each piece's tree itself.
        FDLAB_TREE: undefined,
        FDLAB_CHECK_TREE: tree,
        FDLAB_CHECK_LAB: String(lab.id),
        FDLAB_CHECK_CHANNEL: String(CHANNEL_FD),
        FDLAB_CHECK_RUN: mark,
        FDLAB_CHECK_COLOUR: paint(process.stdout).colour && !quiet ? '1' : '0',
        TMPDIR: tempDir,
      },
    });
  } catch (error) {
    rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }
  const pgid = child.pid!;
  // Should the kit exit while the check runs (process.exit() anywhere, a
  // second Ctrl-C that make watch turns into one), the check goes with it.
  const onKitExit = (): void => {
    signalGroup(pgid, 'SIGKILL');
    for (const pid of processesMarked('FDLAB_CHECK_RUN', mark)) signalProcess(pid, 'SIGKILL');
    rmSync(tempDir, { recursive: true, force: true });
  };
  process.on('exit', onKitExit);
  const channel = child.stdio[CHANNEL_FD] as Readable;
  lines(channel, (line) => heard.take(line));

  let exit: CheckRun['exit'];
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.once('error', () => resolve());
  });
  let isClosed = false;
  const closed = new Promise<void>((resolve) =>
    child.once('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  let stopping = false;
  const alive = (): boolean => exit === undefined && !stopping;
  const forward = (stream: Readable, tail: Tail, to: NodeJS.WriteStream, name: string): void => {
    stream.on('data', (chunk: Buffer) => {
      tail.add(chunk);
      if (!quiet) to.write(chunk);
    });
    stream.on('end', () => {
      if (alive() && heard.runEnd === undefined && stillRunning(pgid) && !cut.includes(name)) cut.push(name);
    });
  };
  forward(child.stdout!, stdout, process.stdout, 'stdout');
  forward(child.stderr!, stderr, process.stderr, 'stderr');
  // What the check's fds 1 and 2 are now, our pipes; at its report's end,
  // an fd that no longer is (closed, or its number reused) was cut. Read
  // from /proc, this does not depend on which of the pipe's end and the
  // report the kit happens to read first on a busy machine.
  const outputs = OUTPUT_FDS.map(({ fd, name }) => ({ fd, name, pipe: fdTarget(pgid, fd) }));
  const noteCutOutputs = (): void => {
    for (const { fd, name, pipe } of outputs) {
      if (pipe !== undefined && fdTarget(pgid, fd) !== pipe && !cut.includes(name)) cut.push(name);
    }
  };

  // What ends the run first: its report, its end, the deadline, or a signal to the kit.
  let deadlineTimer: NodeJS.Timeout | undefined;
  let totalTimer: NodeJS.Timeout | undefined;
  const handlers: [NodeJS.Signals, () => void][] = [];
  const ending = await new Promise<Ending>((resolve) => {
    heard.onRunEnd = () => {
      noteCutOutputs();
      resolve({ by: 'run-end' });
    };
    void exited.then(() => resolve({ by: 'exit' }));
    const onDeadline = (): void => {
      const test = heard.running;
      const members = [...new Set([...groupMembers(pgid), ...processesMarked('FDLAB_CHECK_RUN', mark)])];
      // tsx's compiler service (esbuild) is the kit's, not the learner's: not worth a line.
      void checkActivity(members, pgid).then((doing) =>
        resolve({ by: 'deadline', doing: doing.filter((p) => !/esbuild --service/.test(p.command)), test }),
      );
    };
    // The deadline is each test's: a check that keeps making progress is
    // never stopped for being slow on a busy machine, one stuck in a test is
    // stopped that long after it started. Loading, before the first test
    // (compiling on a cold cache), gets at least the default one; the whole
    // check gets TOTAL_DEADLINES.
    deadlineTimer = setTimeout(onDeadline, Math.max(deadlineMs(), DEFAULT_DEADLINE_MS));
    totalTimer = setTimeout(onDeadline, deadlineMs() * TOTAL_DEADLINES);
    heard.onTestStart = () => {
      clearTimeout(deadlineTimer);
      deadlineTimer = setTimeout(onDeadline, deadlineMs());
    };
    // The terminal's Ctrl-C reaches the kit's process group, not the check's:
    // the kit ends the check. Unless someone else handles the signal (make
    // watch lets a running check finish), then that is theirs to decide.
    // Ours runs first, so it sees every other listener, one-shot ones too.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as NodeJS.Signals[]) {
      const handler = (): void => {
        if (process.listenerCount(signal) === 1) resolve({ by: 'signal', signal });
      };
      process.prependListener(signal, handler);
      handlers.push([signal, handler]);
    }
  });
  clearTimeout(deadlineTimer);
  clearTimeout(totalTimer);
  stopping = true;

  // End the group: SIGTERM, a moment to go, then SIGKILL for what is left,
  // and for whatever left the group but carries the run's mark.
  signalGroup(pgid, 'SIGTERM');
  await until(exited, TERM_GRACE_MS);
  signalGroup(pgid, 'SIGKILL');
  for (const pid of processesMarked('FDLAB_CHECK_RUN', mark)) signalProcess(pid, 'SIGKILL');
  await exited;
  // Every process holding the pipes is dead now, so they close at once; a
  // holder the kit could not kill (another user's, a process stuck in the
  // kernel) must not hold the kit too.
  await until(closed, DRAIN_MS);
  if (!isClosed) for (const stream of [child.stdout, child.stderr, channel]) stream?.destroy();
  for (const [signal, handler] of handlers) process.off(signal, handler);
  process.off('exit', onKitExit);
  rmSync(tempDir, { recursive: true, force: true });
  if (ending.by === 'deadline') ending.test ??= heard.running;
  return { heard, ending, exit, stdout, stderr, cut };
}

/** "  3 passing", "  1 failing" from Mocha's own epilogue, when the channel went quiet. */
function countsFromOutput(text: string): { passed: number; failed: number; skipped: number } | undefined {
  const passing = /^\s*(\d+) passing/m.exec(text);
  if (passing === null) return undefined;
  const failing = /^\s*(\d+) failing/m.exec(text);
  const pending = /^\s*(\d+) pending/m.exec(text);
  return { passed: Number(passing[1]), failed: failing === null ? 0 : Number(failing[1]), skipped: pending === null ? 0 : Number(pending[1]) };
}

/** The verdict, from what was heard and how the check process ended. */
function decide(lab: Lab, tree: Tree, run: CheckRun, afterMs: number): { result: CheckResult; notes: string[] } {
  const { heard, ending, exit } = run;
  const notes: string[] = [];
  const counts = { passed: heard.passed, failed: heard.failed, skipped: heard.skipped, failures: heard.failures };
  const stopped = (title: string, message: string): Pick<CheckResult, 'passed' | 'failed' | 'skipped' | 'failures'> => ({
    ...counts,
    failed: counts.failed + 1,
    failures: [...counts.failures, { title, message }],
  });

  if (ending.by === 'deadline') {
    const verdict: Verdict = { kind: 'hung', test: ending.test, afterMs, doing: ending.doing };
    return { result: resultOf(lab, tree, verdict, stopped(ending.test ?? 'the check', `stopped after ${Math.round(afterMs / 1000)} s: hung`)), notes };
  }
  if (heard.runEnd !== undefined) {
    const { passed, failed, skipped } = heard.runEnd;
    const verdict: Verdict = failed === 0 && passed > 0 ? { kind: 'passed' } : { kind: 'failed' };
    return { result: resultOf(lab, tree, verdict, { passed, failed, skipped, failures: heard.failures }), notes };
  }
  const signal = exit?.signal ?? null;
  const code = exit?.code ?? null;
  if (signal === null) {
    const fromOutput = countsFromOutput(run.stdout.all);
    if (fromOutput !== undefined && heard.exitCalled === undefined) {
      // Mocha finished, but its report never reached the kit: the channel was closed under it.
      notes.push(`(the check's report to the kit stopped early: fd ${CHANNEL_FD} was closed in the check process, by your code?)`);
      const verdict: Verdict = fromOutput.failed === 0 && fromOutput.passed > 0 ? { kind: 'passed' } : { kind: 'failed' };
      return { result: resultOf(lab, tree, verdict, { ...fromOutput, failures: heard.failures }), notes };
    }
  }
  const where: CrashSite =
    signal !== null
      ? (heard.crash ?? (heard.abortCalled !== undefined ? (heard.abortCalled.where ?? 'outside-lab') : 'unknown'))
      : (heard.exitCalled?.where ?? 'unknown');
  const verdict: Verdict = { kind: 'crashed', signal, exitCode: signal === null ? code : null, where, test: heard.running, stderr: run.stderr.lastLines(STDERR_LINES) };
  const how = signal !== null ? `the check process was killed by ${signal}` : `the check process exited with code ${code}`;
  return { result: resultOf(lab, tree, verdict, stopped(heard.running ?? 'the check', `the check crashed: ${how}`)), notes };
}

/** The type errors of the lab's own TypeScript, or nothing (skipped, or not finished in time). */
function typeCheckFor(lab: Lab, tree: Tree): TypeCheck | undefined {
  if (tree !== 'labs' || process.env.FDLAB_CHECK_TYPES === '0') return undefined;
  const files = lab.files.filter((file) => file.endsWith('.ts')).map((file) => labFile(tree, lab, file));
  return files.length === 0 ? undefined : startTypeCheck(files);
}

function typeFailure(errors: Diagnostic[]): { title: string; message: string } {
  const where = (d: Diagnostic): string => [d.file, d.line, d.column].filter((part) => part !== undefined).join(':');
  return { title: 'the TypeScript type check (tsc, strict)', message: errors.map((d) => `${where(d)} ${d.message}`).join('\n') };
}

function report(lab: Lab, tree: Tree, result: CheckResult, options: RunOptions, notes: string[] = [], cut: readonly string[] = []): CheckResult {
  writeResult(result);
  if (!options.quiet) {
    const p = paint(process.stdout);
    const extra: string[] = [];
    const closed = OUTPUT_FDS.filter(({ name }) => cut.includes(name));
    if (closed.length > 0) {
      const names = closed.map(({ name }) => name).join(' and ');
      const fds = closed.map(({ fd }) => `fd ${fd}`).join(' and ');
      extra.push(`(the check's ${names} closed while it was still running: did your code close ${fds}?)`);
      if (result.failures.length > 0) extra.push('Its failures, since its own report was cut short:', ...failureLines(result));
    }
    process.stdout.write(`\n${[...extra, ...verdictLines(lab, tree, result, p, notes)].join('\n')}\n`);
  }
  return result;
}

export async function runCheck(lab: Lab, tree: Tree, options: RunOptions = {}): Promise<CheckResult> {
  if (!ensureBuilt('solutions')) {
    throw new Error('the solutions addon does not build, so no check can run: see the errors above, or run `make doctor`');
  }
  const noCounts = { passed: 0, failed: 1, skipped: 0 };
  if (tree === 'labs' && lab.native) {
    // The compiler's words (or the warnings on a good build) come first; the
    // verdict blames the files the build named, which may be another lab's:
    // every lab's C++ goes into the one labs addon.
    const built = buildTree('labs');
    if (!options.quiet) printOutcome(built);
    if (!built.ok) {
      const errors = built.diagnostics.filter((d) => d.severity === 'error');
      const diagnostics: Diagnostic[] =
        errors.length > 0 ? errors.map(({ file, line, column, message }) => ({ file, line, column, message })) : built.files.map((file) => ({ file, message: built.kind }));
      const verdict: Verdict = { kind: 'compile-error', language: 'c++', diagnostics };
      const why = `the labs tree does not build (${built.kind}): ${built.files.join(', ') || 'see make doctor'}`;
      return report(lab, tree, resultOf(lab, tree, verdict, { ...noCounts, failures: [{ title: `lab ${lab.id} could not run`, message: why }] }), options);
    }
  }
  if (tree === 'labs') {
    const tsFiles = lab.files.filter((file) => file.endsWith('.ts')).map((file) => labFile(tree, lab, file));
    const errors = await precheckTypeScript(tsFiles);
    if (errors.length > 0) {
      const verdict: Verdict = { kind: 'compile-error', language: 'typescript', diagnostics: errors };
      const message = errors.map((d) => `${[d.file, d.line, d.column].filter((x) => x !== undefined).join(':')}: ${d.message}`).join('\n');
      return report(lab, tree, resultOf(lab, tree, verdict, { ...noCounts, failures: [{ title: `lab ${lab.id} could not load`, message }] }), options);
    }
  }

  const typeCheck = typeCheckFor(lab, tree);
  const started = Date.now();
  let run: CheckRun;
  try {
    run = await runProcess(lab, tree, options.quiet === true);
  } catch (error) {
    typeCheck?.stop();
    throw error;
  }
  if (run.ending.by === 'signal') {
    typeCheck?.stop();
    const { signal } = run.ending;
    process.stderr.write(`\nfdlab: lab ${lab.id}'s check was stopped (${signal === 'SIGINT' ? 'Ctrl-C' : signal}), with everything it started; no result was recorded.\n`);
    process.exit(128 + (SIGNAL_NUMBERS[signal] ?? 0));
  }
  const { result, notes } = decide(lab, tree, run, Date.now() - started);
  if (typeCheck !== undefined) {
    const kind = result.verdict.kind;
    const errors = kind === 'passed' || kind === 'failed' ? await until(typeCheck.result, Math.max(5_000, deadlineMs() - (Date.now() - started))) : undefined;
    typeCheck.stop();
    if (errors !== undefined && errors.length > 0) {
      result.verdict = { kind: 'failed' };
      result.failed += 1;
      result.failures.push(typeFailure(errors));
      notes.push('TypeScript finds type errors in your code (tsc, strict):', ...errors.map((d) => `  ${[d.file, d.line, d.column].filter((x) => x !== undefined).join(':')}: ${d.message}`));
    }
  }
  return report(lab, tree, result, options, notes, run.cut);
}
