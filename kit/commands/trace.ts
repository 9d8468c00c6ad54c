// kit/commands/trace.ts: `make trace` runs the demo under strace and shows
// the real syscalls as a timeline per process: socketpair, the child's fork
// and exec, sendmsg and recvmsg with SCM_RIGHTS decoded, the closes, the
// child's exit and its reaping. When strace is missing or may not trace
// (ptrace refused), it says so and gives the fix.
//
// See: strace(1), ptrace(2) (and Yama's ptrace_scope), capabilities(7).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../paths.ts';
import { TRACED_CALLS, demoTimeline, renderTimeline } from '../strace-timeline.ts';

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

export function traceCommand(): number {
  const problem = straceProblem();
  if (problem !== undefined) {
    process.stderr.write(`make trace: ${problem}\n`);
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-trace-'));
  try {
    const traceFile = join(dir, 'strace.txt');
    const run = spawnSync(
      'strace',
      ['-f', '-yy', '-ttt', '-s', '64', '-o', traceFile, '-e', `trace=${TRACED_CALLS.join(',')}`, process.execPath, '--import', 'tsx', 'solutions/05-demo/demo.ts'],
      { cwd: root, encoding: 'utf8', env: { ...process.env, FDLAB_TREE: 'solutions' } },
    );
    process.stdout.write(`The demo, as it narrated itself:\n\n${run.stdout}${run.stderr}\n`);
    const parent = Number(/\[parent (\d+)\]/.exec(run.stdout)?.[1]);
    const child = Number(/spawned child pid (\d+)/.exec(run.stdout)?.[1]);
    if (!parent || !child) {
      process.stderr.write('make trace: the demo did not get as far as spawning its child; see its output above.\n');
      return 1;
    }
    const events = demoTimeline(readFileSync(traceFile, 'utf8'), { parent, child });
    process.stdout.write(
      'What the kernel saw (strace -f -yy: fds shown with what they refer to; the child indented):\n\n' +
        `${renderTimeline(events, { parent, child }, process.stdout.columns || 120)}\n`,
    );
    return run.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
