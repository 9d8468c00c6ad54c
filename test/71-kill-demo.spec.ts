// Failure modes of the demo (solutions/05-demo): the child killed with
// SIGKILL at each step, and the parent killed while its child is paused at
// one. Each kill is aimed by the pids and the step the demo prints; the
// child's pause points are FDLAB_DEMO_FAULT hooks ('hang-before-send',
// 'pause-after-write', 'pause-after-send').
import { expect } from 'chai';
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { processState } from './support/processes.ts';
import { exitOfPid, watchTs, type Watched } from './support/watched.ts';

const demo = fileURLToPath(new URL('../solutions/05-demo/demo.ts', import.meta.url));

/**
 * The first match of `pattern` in the demo's output. It waits as long as the
 * demo runs, since on a loaded machine starting Node twice can take longer
 * than any fixed bound, and fails as soon as the demo ends without printing it.
 */
function printed(run: Watched, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const streams = [run.child.stdout!, run.child.stderr!];
    const check = (): void => {
      const match = pattern.exec(run.output());
      if (match === null) return;
      streams.forEach((stream) => stream.off('data', check));
      resolve(match);
    };
    streams.forEach((stream) => stream.on('data', check));
    check();
    void run.closed.then(() => {
      check();
      reject(new Error(`the demo ended without printing ${pattern}; its output was:\n${run.output()}`));
    }, reject);
  });
}

async function startPaused(fault: string, pause: RegExp): Promise<{ run: Watched; childPid: number; tempDir: string }> {
  // The test kills a side at a pause point: the demo's own receive timeout
  // must not end the run first on a busy machine.
  const run = watchTs(demo, [], { FDLAB_DEMO_FAULT: fault, FDLAB_DEMO_RECEIVE_TIMEOUT_MS: '60000' });
  const [, spawned] = await printed(run, /spawned child pid (\d+)/);
  const [, tempDir] = await printed(run, /made temp dir (\S+)/);
  const [, paused] = await printed(run, pause);
  expect(Number(paused), 'the pid that paused is the child the parent spawned').to.equal(Number(spawned));
  return { run, childPid: Number(spawned), tempDir: tempDir! };
}

describe('the demo when a process is killed', () => {
  const childSteps = [
    {
      step: 'before it sends',
      fault: 'hang-before-send',
      pause: /\[child (\d+)\] never sending/,
      error: /error: the child \(pid \d+\) was killed by SIGKILL before sending a file/,
    },
    {
      step: 'mid-way, with its file written but not sent',
      fault: 'pause-after-write',
      pause: /\[child (\d+)\] pausing after writing, before sending/,
      error: /error: the child \(pid \d+\) was killed by SIGKILL before sending a file/,
    },
    {
      step: 'after it has sent its file',
      fault: 'pause-after-send',
      pause: /\[child (\d+)\] pausing after sending/,
      error: /error: the child \(pid \d+\) was killed by SIGKILL\n/,
    },
  ];

  for (const { step, fault, pause, error } of childSteps) {
    it(`SIGKILL to the child ${step}: a clear error, the child reaped, the temp dir removed`, async () => {
      const { run, childPid, tempDir } = await startPaused(fault, pause);
      process.kill(childPid, 'SIGKILL');
      const exit = await run.closed;
      const output = run.output();
      expect(exit.code, output).to.equal(1);
      expect(output).to.match(error);
      // Reading the fd table of a child killed a moment ago (EACCES to non-root) is no error of the demo's.
      expect(output, 'a stack trace or an unreadable fd table').to.not.match(/^\s+at |\(unreadable\)|EACCES/m);
      expect(output, 'the parent did not wait for its receive timeout').to.not.include('sent nothing within');
      if (fault === 'pause-after-send') expect(output).to.include('parent got: hello from child');
      expect(processState(childPid), `child ${childPid}`).to.equal('gone');
      expect(existsSync(tempDir), `${tempDir} still exists`).to.equal(false);
    });
  }

  const parentCases = [
    {
      step: 'before sending',
      fault: 'pause-after-write',
      pause: /\[child (\d+)\] pausing after writing, before sending/,
      sees: 'end-of-file, then EPIPE from its send',
      after: /\[child \d+\] end-of-file: the parent closed its end[^]*EPIPE: broken pipe, sendmsg/,
    },
    {
      // If the parent dies before reading the message, its socket is closed
      // with data unread and the child's receive says ECONNRESET instead.
      step: 'after sending',
      fault: 'pause-after-send',
      pause: /\[child (\d+)\] pausing after sending/,
      sees: 'end-of-file (or ECONNRESET)',
      after: /\[child \d+\] end-of-file: the parent closed its end|ECONNRESET: connection reset by peer, recvmsg/,
    },
  ];

  for (const { step, fault, pause, sees, after } of parentCases) {
    // "Within 1 s" is the goal; the test waits up to 5 s (GENEROUS_MS) and
    // fails only if the child is still running then, so a slow machine
    // cannot make it fail.
    it(`SIGKILL to the parent while its child pauses ${step}: the child sees ${sees} and exits, no orphan left`, async () => {
      const { run, childPid, tempDir } = await startPaused(fault, pause);
      try {
        run.child.kill('SIGKILL');
        const state = await exitOfPid(childPid);
        expect(state, `child ${childPid} after its parent was killed; output:\n${run.output()}`).to.not.equal('running');
        await run.closed;
        expect(run.output()).to.match(after);
      } finally {
        if (processState(childPid) === 'running') process.kill(childPid, 'SIGKILL');
        // A parent killed with SIGKILL cannot clean up; the test does.
        rmSync(tempDir, { recursive: true, force: true });
      }
    });
  }
});
