// kit/commands/trace.ts: `make trace` runs the demo under strace and shows
// the real syscalls as a timeline per process: socketpair, the child's fork,
// the dup2 that makes the pair's end its fd 3, its exec, sendmsg and recvmsg
// with SCM_RIGHTS decoded, the closes, the child's exit and its reaping.
//
// Which demo: `TREE=labs` traces the learner's (labs/05-demo/demo.ts on the
// learner's own C++), `TREE=solutions` the finished one. With no TREE it is
// the learner's once it runs (lab 5's last check against labs/ passed and
// nothing it runs on changed since), else the finished one, with a line
// saying why. When strace is missing or may not trace (ptrace refused), it
// says so and gives the fix.
//
// The run is bounded: strace and the demo run in a process group of their
// own, which is killed at the deadline or on Ctrl-C, and the demo's temp
// dir is made inside the trace's own, which is always removed.
//
// See: strace(1), ptrace(2) (and Yama's ptrace_scope), capabilities(7),
// setpgid(2) (process groups), kill(2).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tree } from '../../native/binding.ts';
import { ensureBuilt } from '../build.ts';
import { changedDependencies } from '../freshness.ts';
import { findLab, loadLabs, type Lab } from '../manifest.ts';
import { root } from '../paths.ts';
import { groupEnded, signalGroup } from '../proc-activity.ts';
import { isPassing, readResult, type CheckResult } from '../state.ts';
import { TRACED_CALLS, demoTimeline, renderTimeline, rolesFromTrace } from '../strace-timeline.ts';
import { TS_LOADER } from '../ts-loader.ts';

/** The lab whose code is the demo. */
const DEMO_LAB = 5;
/** strace slows every syscall: the demo's receive timeout gives the child time to start. */
const RECEIVE_TIMEOUT_MS = 60_000;
/** The whole run's bound: the receive timeout, the demo's 5 s wait for its child's exit, and strace's slow start. */
const DEADLINE_MS = RECEIVE_TIMEOUT_MS + 30_000;
/** How long a stopped run's processes get to act on their SIGKILL once strace is gone. */
const GROUP_END_MS = 10_000;

/** Why strace cannot run here, with the fix, or undefined when it can. */
export function straceProblem(): string | undefined {
  const probe = spawnSync('strace', ['-f', '-o', '/dev/null', 'true'], { encoding: 'utf8' });
  if (probe.error && (probe.error as NodeJS.ErrnoException).code === 'ENOENT') {
    return 'strace is not installed. Fix: sudo apt-get install strace (the devcontainer has it).';
  }
  if (probe.status !== 0) {
    return (
      `strace may not trace here (${probe.stderr.trim().split('\n')[0]}).\n` +
      'Fix: run the kit in its devcontainer, which adds the SYS_PTRACE capability and seccomp=unconfined ' +
      '(.devcontainer/devcontainer.json), or start your own container with ' +
      '--cap-add SYS_PTRACE --security-opt seccomp=unconfined.'
    );
  }
  return undefined;
}

export type TraceChoice = { tree: Tree; note?: string } | { error: string };

/**
 * Which demo to trace. `requested` is TREE ('' or undefined: not given);
 * `lastCheck` is lab 5's last result against labs/, `changed` the labs it
 * runs on that changed since that result.
 */
export function chooseTree(requested: string | undefined, lastCheck: CheckResult | undefined, changed: readonly Lab[]): TraceChoice {
  if (requested === 'labs' || requested === 'solutions') return { tree: requested };
  if (requested !== undefined && requested !== '') {
    return { error: `TREE=${requested} is not a tree: TREE=labs traces your demo, TREE=solutions the finished one.` };
  }
  if (!isPassing(lastCheck)) {
    return {
      tree: 'solutions',
      note: `your demo does not run yet (lab ${DEMO_LAB} not passing): tracing the finished one; TREE=labs to trace yours anyway`,
    };
  }
  if (changed.length > 0) {
    const labs = changed.map((lab) => lab.id).join(', ');
    return {
      tree: 'solutions',
      note:
        `your demo's pass is out of date (lab ${labs} changed since): tracing the finished one; ` +
        `make lab-${DEMO_LAB} rechecks it, TREE=labs traces yours anyway`,
    };
  }
  return { tree: 'labs', note: `tracing your demo (lab ${DEMO_LAB} passes); TREE=solutions traces the finished one` };
}

function requestedChoice(requested: string | undefined): TraceChoice {
  if (requested !== undefined && requested !== '') return chooseTree(requested, undefined, []);
  const labs = loadLabs();
  const lastCheck = readResult('labs', DEMO_LAB);
  const changed = lastCheck === undefined ? [] : changedDependencies(findLab(DEMO_LAB), labs, lastCheck.at);
  return chooseTree(requested, lastCheck, changed);
}

interface DemoRun {
  status: number | null;
  /** Why the kit stopped the run: its deadline passed, or a signal came (Ctrl-C). */
  stopped?: 'deadline' | NodeJS.Signals;
}

/**
 * The demo of `tree` under strace, its narration going straight to our
 * stdout and stderr as it happens, in a process group of its own that is
 * killed at the deadline or on a signal.
 */
function runUnderStrace(tree: Tree, dir: string, traceFile: string): Promise<DemoRun> {
  const demo = `${tree}/05-demo/demo.ts`;
  const child = spawn(
    'strace',
    ['-f', '-yy', '-ttt', '-s', '64', '-o', traceFile, '-e', `trace=${TRACED_CALLS.join(',')}`, process.execPath, ...TS_LOADER, demo],
    {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit'],
      // TMPDIR: the demo's temp dir goes inside ours, so a run that is stopped leaves nothing.
      env: { ...process.env, FDLAB_TREE: tree, FDLAB_DEMO_RECEIVE_TIMEOUT_MS: String(RECEIVE_TIMEOUT_MS), TMPDIR: dir },
    },
  );
  let stopped: DemoRun['stopped'];
  const stop = (why: NonNullable<DemoRun['stopped']>): void => {
    stopped ??= why;
    signalGroup(child.pid!, 'SIGKILL');
  };
  const timer = setTimeout(() => stop('deadline'), DEADLINE_MS);
  const onSignal = (signal: NodeJS.Signals): void => stop(signal);
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  signals.forEach((signal) => process.on(signal, onSignal));
  return new Promise((resolve) => {
    const done = (status: number | null): void => {
      clearTimeout(timer);
      signals.forEach((s) => process.off(s, onSignal));
      resolve({ status, stopped });
    };
    child.once('error', (error) => {
      process.stderr.write(`make trace: could not start strace: ${error.message}\n`);
      done(null);
    });
    // Stopped, it returns once the demo and its child are gone too, not
    // only strace: nothing of the run may outlive `make trace`.
    child.once('close', (status) => {
      if (stopped === undefined) done(status);
      else void groupEnded(child.pid!, GROUP_END_MS).then(() => done(status));
    });
  });
}

/** `make trace`: TREE (labs | solutions) picks the demo; unset, the learner's once lab 5 passes. */
export async function traceCommand(requested: string | undefined = process.env.TREE): Promise<number> {
  const choice = requestedChoice(requested);
  if ('error' in choice) {
    process.stderr.write(`make trace: ${choice.error}\n`);
    return 2;
  }
  const problem = straceProblem();
  if (problem !== undefined) {
    process.stderr.write(`make trace: ${problem}\n`);
    return 1;
  }
  let tree = choice.tree;
  if (choice.note !== undefined) process.stdout.write(`make trace: ${choice.note}\n`);
  if (tree === 'labs' && !ensureBuilt('labs')) {
    if (requested === 'labs') {
      process.stderr.write('make trace: your C++ (labs/) does not build, so your demo cannot run: see above. TREE=solutions traces the finished one.\n');
      return 1;
    }
    process.stdout.write('make trace: your C++ (labs/) does not build (see above): tracing the finished one\n');
    tree = 'solutions';
  }
  if (tree === 'solutions' && !ensureBuilt('solutions')) return 1;
  const demo = `${tree}/05-demo/demo.ts`;
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-trace-'));
  try {
    const traceFile = join(dir, 'strace.txt');
    process.stdout.write(`\nThe demo (${demo}), as it narrated itself:\n\n`);
    const run = await runUnderStrace(tree, dir, traceFile);
    process.stdout.write('\n');
    if (run.stopped === 'deadline') {
      process.stderr.write(
        `make trace: ${demo} did not finish within ${DEADLINE_MS / 1000} s under strace: stopped it and its child.` +
          (tree === 'labs' ? ` make lab-${DEMO_LAB} checks it with a message; TREE=solutions traces the finished one.\n` : '\n'),
      );
      return 1;
    }
    if (run.stopped !== undefined) return 128 + constants.signals[run.stopped];
    let trace = '';
    try {
      trace = readFileSync(traceFile, 'utf8');
    } catch {
      // strace never started the demo: its own words are in the output above
    }
    const { parent, child } = rolesFromTrace(trace);
    if (parent === undefined || child === undefined) {
      process.stderr.write(
        `make trace: ${demo} stopped before spawning its child; see its output above.` +
          (tree === 'labs' ? ` make lab-${DEMO_LAB} checks it; TREE=solutions traces the finished one.\n` : '\n'),
      );
      return 1;
    }
    const roles = { parent, child };
    process.stdout.write(
      'What the kernel saw (strace -f -yy: fds shown with what they refer to; the child indented):\n\n' +
        `${renderTimeline(demoTimeline(trace, roles), roles, process.stdout.columns || 120)}\n`,
    );
    return run.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
