// reliability/under-load.ts: the whole suite (`make test`), run several times
// in a row while stress-ng keeps every core busy. A test that passes only on
// an idle machine is flaky, and a flaky CI refuses good work: this is how to
// find one before CI does.
//
//   node --import tsx reliability/under-load.ts [--runs 5]     (make under-load)
//
// It uses the Node first on PATH: put another Node's bin/ first to try it
// (README.md, "Requirements"). Each run's log is kept in a temp folder only
// when that run failed; the last line is "under load: K of N runs green".
//
// See: stress-ng(1) (--cpu N: N workers spinning on the CPUs), nproc(1).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root } from '../kit/paths.ts';
import { signalGroup } from '../kit/proc-activity.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write(`under-load: --runs takes a whole number of at least 1, not "${values.runs}"\n`);
  process.exit(2);
}
if (spawnSync('stress-ng', ['--version'], { stdio: 'ignore' }).error) {
  process.stderr.write('under-load: stress-ng is not installed; on Debian: sudo apt-get install stress-ng\n');
  process.exit(2);
}

// One spinning worker per core, in a process group of its own so that every
// worker goes with it, whatever ends this script.
const cores = availableParallelism();
const stress = spawn('stress-ng', ['--cpu', String(cores), '--quiet'], { stdio: 'ignore', detached: true });
function stopStress(): void {
  signalGroup(stress.pid!, 'SIGKILL');
}
process.on('exit', stopStress);

/** Where each run's log goes; a log is kept only when its run failed. */
const logs = mkdtempSync(join(tmpdir(), 'fdlab-under-load-'));
/** The suite running now: a process group of its own too, so that a signal to this script alone reaches all of it. */
let suite: ChildProcess | undefined;
/** The log of the run not yet judged. */
let suiteLog: string | undefined;

/** Stopped by a signal: the unfinished run's log goes, and the folder with it when no failed run's log is in it. */
function stopped(): never {
  if (suiteLog !== undefined) rmSync(suiteLog, { force: true });
  if (readdirSync(logs).length === 0) rmSync(logs, { recursive: true, force: true });
  process.exit(130);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopStress();
    if (suite === undefined || suite.exitCode !== null || suite.signalCode !== null) stopped();
    // The suite hears what a terminal's Ctrl-C would tell it, and gets a
    // moment to end its own children; what is left then is killed.
    const group = suite.pid!;
    signalGroup(group, signal);
    const timer = setTimeout(() => {
      signalGroup(group, 'SIGKILL');
      stopped();
    }, 10_000);
    suite.once('close', () => {
      clearTimeout(timer);
      signalGroup(group, 'SIGKILL');
      stopped();
    });
  });
}

/** The closing line the suite's reporter prints: "N passed, N failed[, N skipped]". */
function closingLine(log: string): string | undefined {
  return log.split('\n').filter((line) => /^\d+ passed, \d+ failed/.test(line)).pop();
}

function runSuite(logFile: string): Promise<number | null> {
  const log = createWriteStream(logFile);
  const running = spawn('make', ['--no-print-directory', 'test'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  suite = running;
  running.stdout.pipe(log, { end: false });
  running.stderr.pipe(log, { end: false });
  return new Promise((resolve) => running.on('close', (code) => log.end(() => resolve(code))));
}

process.stdout.write(`under load: ${runs} runs of make test on node ${process.version}, stress-ng --cpu ${cores}\n`);
let green = 0;
for (let run = 1; run <= runs; run++) {
  const logFile = join(logs, `run-${run}.log`);
  const started = Date.now();
  suiteLog = logFile;
  const code = await runSuite(logFile);
  const log = readFileSync(logFile, 'utf8');
  suiteLog = undefined;
  const seconds = Math.round((Date.now() - started) / 1000);
  const line = closingLine(log) ?? 'no closing line (the suite stopped before its reporter spoke)';
  if (code === 0) {
    green++;
    rmSync(logFile);
    process.stdout.write(`  run ${run}: ${line} (${seconds} s)\n`);
  } else {
    const failing = log.split('\n').filter((l) => /^\s+\d+\) /.test(l)).slice(0, 10);
    process.stdout.write(`  run ${run}: FAILED, exit ${code}: ${line} (${seconds} s); log: ${logFile}\n`);
    for (const title of failing) process.stdout.write(`    ${title.trim()}\n`);
  }
}
stopStress();
if (green === runs) rmSync(logs, { recursive: true, force: true });
process.stdout.write(`under load: ${green} of ${runs} runs green\n`);
process.exit(green === runs ? 0 : 1);
