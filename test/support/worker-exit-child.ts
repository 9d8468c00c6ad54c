// test/support/worker-exit-child.ts: run by test/75-workers.spec.ts in a
// process of its own. Workers that wait on sockets (several receives per
// socket, a send on a full socket) exit with their waits still pending, by
// process.exit() and by terminate(), while this main thread waits on the
// very same sockets. A poll handle left open would make Node abort when the
// Worker's loop is closed, failing the test instead of killing the runner.
// Prints one JSON line: how the Workers exited, what the main thread's own
// waits got afterwards, and the fds left over.
//
// See: worker_threads in the Node.js docs; uv_loop_close in libuv's.
import { once } from 'node:events';
import { openFdlab } from '../../native/index.ts';
import { openFds } from './fds.ts';
import { tsWorker } from './ts-worker.ts';

const fdlab = openFdlab('solutions');
const ROUNDS = 3;
const BUSY_ROUNDS = 8;

async function round(socks: number[], exit: 'process.exit' | 'terminate' | 'terminate-busy', i = 0): Promise<number> {
  const task = exit === 'terminate-busy' ? 'busy' : 'pending';
  const worker = tsWorker(new URL('./fdlab-worker.ts', import.meta.url), { task, socks, exit });
  const exited = once(worker, 'exit') as Promise<[number]>;
  const [message] = (await once(worker, 'message')) as [{ own: number[] }];
  // A busy Worker is stopped a little later each round, to land in
  // different places of its round trips.
  if (exit === 'terminate-busy') await new Promise((resolve) => setTimeout(resolve, i * 3));
  if (exit !== 'process.exit') await worker.terminate();
  const [code] = await exited;
  // A Worker's fds belong to the process: they outlive it, and are ours to close.
  message.own.forEach((fd) => fdlab.closeFd(fd));
  return code;
}

const pairs = Array.from({ length: 4 }, () => fdlab.socketpair());
const socks = pairs.map(([, b]) => b);
const exitCodes: Record<string, number[]> = { 'process.exit': [], terminate: [], 'terminate-busy': [] };

// The first round loads what every later Worker shares (tsx's loader
// among it); fds are counted from after it.
exitCodes.terminate.push(await round(socks, 'terminate'));
const before = openFds();
const mainWaits = socks.map((sock) => fdlab.recvFds(sock, { timeoutMs: 20_000 }));
for (let i = 0; i < ROUNDS; i++) {
  exitCodes['process.exit'].push(await round(socks, 'process.exit'));
  exitCodes.terminate.push(await round(socks, 'terminate'));
}
for (let i = 0; i < BUSY_ROUNDS; i++) exitCodes['terminate-busy'].push(await round(socks, 'terminate-busy', i));

pairs.forEach(([a], i) => fdlab.sendFdsSync(a, [], `main ${i}`));
const mainGot = (await Promise.all(mainWaits)).map((m) => m?.data.toString());
pairs.flat().forEach((fd) => fdlab.closeFd(fd));
const after = openFds();
const leaked = after.filter((fd) => !before.includes(fd)).length;
const closed = before.filter((fd) => !after.includes(fd)).length;
process.stdout.write(`${JSON.stringify({ exitCodes, mainGot, leaked, closedOfOurs: closed })}\n`);
