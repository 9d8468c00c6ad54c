// test/support/fdlab-worker.ts: the code test/75-workers.spec.ts and
// test/support/worker-exit-child.ts run inside worker_threads Workers. It
// uses the public API from the Worker's own thread and event loop, as the
// task in workerData says, and reports back with postMessage.
import { openSync, closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { openFdlab } from '../../native/index.ts';

const fdlab = openFdlab('solutions');
const task = workerData as {
  task: 'roundtrips' | 'receive' | 'pending' | 'busy';
  count?: number;
  sock?: number;
  flag?: Int32Array;
  socks?: number[];
  exit?: 'process.exit' | 'terminate';
};

async function roundtrips(count: number): Promise<void> {
  const file = openSync('/dev/null', 'r');
  const [a, b] = fdlab.socketpair('seqpacket');
  let received = 0;
  try {
    for (let i = 0; i < count; i++) {
      const receiving = fdlab.recvFds(b, { timeoutMs: 10_000 });
      if (i % 2 === 0) await fdlab.sendFds(a, [file, file], `worker ${i}`);
      else fdlab.sendFdsSync(a, [file, file], `worker ${i}`);
      const got = await receiving;
      if (got?.data.toString() !== `worker ${i}` || got.fds.length !== 2) throw new Error(`round trip ${i} got ${String(got?.data)}`);
      got.fds.forEach((fd) => fdlab.closeFd(fd));
      received++;
    }
  } finally {
    fdlab.closeFd(a);
    fdlab.closeFd(b);
    closeSync(file);
  }
  parentPort!.postMessage({ received });
}

async function receive(sock: number, flag: Int32Array): Promise<void> {
  const receiving = fdlab.recvFds(sock, { timeoutMs: 10_000 });
  parentPort!.postMessage({ waiting: true });
  const got = await receiving;
  parentPort!.postMessage({ data: got?.data.toString() });
  // The main thread may be blocked in Atomics.wait: wake it.
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

async function pending(socks: number[], exit: 'process.exit' | 'terminate'): Promise<void> {
  // Receives that will never complete, several per socket (they share one
  // poll handle) and a send waiting for room on a full socket.
  const [a, b] = fdlab.socketpair();
  for (const sock of [...socks, b]) {
    for (let i = 0; i < 3; i++) fdlab.recvFds(sock).catch(() => {});
  }
  fdlab.sendFds(a, [], Buffer.alloc(4 << 20)).catch(() => {});
  // One turn of the loop, so every poll handle is started in epoll.
  await new Promise((resolve) => setImmediate(resolve));
  parentPort!.postMessage({ pending: socks.length * 3 + 4, own: [a, b] });
  if (exit === 'process.exit') process.exit(0);
}

async function busy(): Promise<void> {
  // Round trips without end, so that poll events are firing when the
  // Worker is terminated. No fds ride along: one that had just arrived when
  // the Worker was stopped would stay open in the process, as any fd a
  // terminated Worker held does, and the fd count is what the test checks.
  const [a, b] = fdlab.socketpair('seqpacket');
  parentPort!.postMessage({ own: [a, b] });
  for (let i = 0; ; i++) {
    const receiving = fdlab.recvFds(b);
    await fdlab.sendFds(a, [], `busy ${i}`);
    await receiving;
  }
}

if (task.task === 'busy') await busy();
else if (task.task === 'roundtrips') await roundtrips(task.count ?? 100);
else if (task.task === 'receive') await receive(task.sock!, task.flag!);
else await pending(task.socks ?? [], task.exit ?? 'terminate');
