// The addon in worker_threads: it is context-aware, so each Worker loads its
// own instance with its own state, and waits on its own event loop; and a
// Worker that exits or is terminated with receives pending leaves no poll
// handle behind (libuv refuses to close a loop that still has one, and Node
// aborts the process when that happens).
import { expect } from 'chai';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { openFdlab } from '../native/index.ts';
import { expectNoFdLeak } from './support/fds.ts';
import { tsWorker } from './support/ts-worker.ts';
import { watchTs } from './support/watched.ts';

const fdlab = openFdlab('solutions');
const workerCode = new URL('./support/fdlab-worker.ts', import.meta.url);

function start(data: Record<string, unknown>): { worker: Worker; exited: Promise<unknown[]> } {
  const worker = tsWorker(workerCode, data);
  return { worker, exited: once(worker, 'exit') };
}

describe('in worker_threads', () => {
  it('loads in a Worker and passes fds there, sync and async, leaking none', () =>
    expectNoFdLeak(async () => {
      const { worker, exited } = start({ task: 'roundtrips', count: 200 });
      const [result] = (await once(worker, 'message')) as [{ received: number }];
      expect(result.received).to.equal(200);
      expect((await exited)[0], 'the exit code').to.equal(0);
    }));

  it('four Workers and the main thread at once: each its own instance, no interference', () =>
    expectNoFdLeak(async () => {
      const workers = Array.from({ length: 4 }, () => start({ task: 'roundtrips', count: 100 }));
      const results = workers.map(({ worker }) => once(worker, 'message'));
      // The main thread keeps passing fds meanwhile.
      const [a, b] = fdlab.socketpair();
      try {
        for (let i = 0; i < 100; i++) {
          const receiving = fdlab.recvFds(b);
          await fdlab.sendFds(a, [a], `main ${i}`);
          const got = await receiving;
          expect(got!.data.toString()).to.equal(`main ${i}`);
          got!.fds.forEach((fd) => fdlab.closeFd(fd));
        }
      } finally {
        fdlab.closeFd(a);
        fdlab.closeFd(b);
      }
      for (const result of await Promise.all(results)) expect(result[0]).to.deep.equal({ received: 100 });
      for (const { exited } of workers) expect((await exited)[0]).to.equal(0);
    }));

  it("a Worker's receive completes on its own loop while the main thread is blocked", () =>
    expectNoFdLeak(async () => {
      const [a, b] = fdlab.socketpair();
      const flag = new Int32Array(new SharedArrayBuffer(4));
      try {
        // fd numbers are the process's: the Worker can wait on b directly.
        const { worker, exited } = start({ task: 'receive', sock: b, flag });
        const messages: unknown[] = [];
        worker.on('message', (m) => messages.push(m));
        await once(worker, 'message'); // { waiting: true }
        fdlab.sendFdsSync(a, [], 'while you were blocked');
        // The main thread blocks (up to 5 s, generous): if the Worker's wait
        // lived on the main loop, nothing could wake it until we returned.
        const woke = Atomics.wait(flag, 0, 0, 5000);
        expect(woke, 'the Worker received and woke us').to.not.equal('timed-out');
        await exited;
        expect(messages).to.deep.include({ data: 'while you were blocked' });
      } finally {
        fdlab.closeFd(a);
        fdlab.closeFd(b);
      }
    }));

  it('Workers that exit or are terminated with receives and sends pending leave no poll handle, no fd, and the main thread unaffected', async () => {
    // In a process of its own: a dangling handle aborts that process, and
    // this test then fails with its output instead of taking the runner down.
    const run = watchTs(fileURLToPath(new URL('./support/worker-exit-child.ts', import.meta.url)));
    const exit = await run.closed;
    expect(exit, run.output()).to.deep.equal({ code: 0, signal: null });
    const line = run.output().split('\n').find((l) => l.startsWith('{'));
    const report = JSON.parse(line!) as {
      exitCodes: Record<string, number[]>;
      mainGot: string[];
      leaked: number;
    };
    expect(report.exitCodes['process.exit']).to.deep.equal([0, 0, 0]);
    expect(report.exitCodes.terminate, 'terminate() ends a Worker with code 1').to.deep.equal([1, 1, 1, 1]);
    expect(report.exitCodes['terminate-busy']).to.have.length(8);
    expect(report.mainGot, "the main thread's own waits on the same sockets").to.deep.equal(['main 0', 'main 1', 'main 2', 'main 3']);
    expect(report.leaked, 'fds left open by the Workers and their loops').to.equal(0);
  });
});
