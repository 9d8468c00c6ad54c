// reliability/memcheck-workload.ts: the focused script reliability/memcheck.ts
// runs under valgrind. Few enough calls to finish in a minute or two under
// memcheck, but every path through the addon's C++: socketpair of each type,
// sends and receives sync and async with 0, 1 and 253 fds, stream payloads
// split over several reads, truncation (EMSGSIZE), timeouts in poll and on
// the loop, aborts, EBADF, ENOTSOCK, EPIPE, end-of-file, a close while a
// receive waits, the addon called with wrong arguments, and a Worker that
// is terminated with receives pending.
//
// See: valgrind's memcheck manual.
import { closeSync, openSync } from 'node:fs';
import { once } from 'node:events';
import { loadBinding } from '../native/binding.ts';
import { openFdlab } from '../native/index.ts';
import { tsWorker } from '../test/support/ts-worker.ts';

const fdlab = openFdlab('solutions');
const ROUNDS = Number(process.argv[2] ?? 100);

async function fails(call: () => unknown): Promise<string> {
  try {
    await call();
  } catch (error) {
    return (error as { code?: string }).code ?? 'no code';
  }
  throw new Error('expected a failure');
}

const file = openSync('/dev/null', 'r');
const many = new Array(253).fill(file);
for (const type of ['stream', 'seqpacket', 'dgram'] as const) {
  const [a, b] = fdlab.socketpair(type);
  for (let i = 0; i < ROUNDS; i++) {
    const fds = i % 10 === 0 ? many : i % 2 === 0 ? [file] : [];
    const receiving = fdlab.recvFds(b, { maxFds: 253 });
    await fdlab.sendFds(a, fds, i % 3 === 0 ? undefined : `round ${i}`);
    (await receiving)!.fds.forEach((fd) => fdlab.closeFd(fd));
    fdlab.sendFdsSync(a, fds, Buffer.alloc(i % 200, 1));
    fdlab.recvFdsSync(b, { maxFds: 253, timeoutMs: 1000 })!.fds.forEach((fd) => fdlab.closeFd(fd));
    if (i % 10 === 5) {
      fdlab.sendFdsSync(a, [file, file, file]);
      await fails(() => fdlab.recvFds(b, { maxFds: 2 }));
      await fails(() => fdlab.recvFds(b, { timeoutMs: 0 }));
      await fails(() => fdlab.recvFdsSync(b, { timeoutMs: 1 }));
      const controller = new AbortController();
      const waiting = fdlab.recvFds(b, { signal: controller.signal });
      controller.abort();
      await fails(() => waiting);
    }
  }
  fdlab.closeFd(a);
  await fails(() => fdlab.sendFds(b, [file], 'gone'));
  if (type !== 'dgram') await fdlab.recvFds(b);
  fdlab.closeFd(b);
}

// A big stream payload: partial sends, waits for room, several reads.
{
  const [a, b] = fdlab.socketpair();
  const big = Buffer.alloc(1 << 20, 2);
  const sending = fdlab.sendFds(a, [file], big);
  let total = 0;
  while (total < big.length) {
    const got = (await fdlab.recvFds(b, { maxBytes: 100_000 }))!;
    total += got.data.length;
    got.fds.forEach((fd) => fdlab.closeFd(fd));
  }
  await sending;
  const waiting = fdlab.recvFds(b);
  fdlab.closeFd(b);
  await fails(() => waiting);
  fdlab.closeFd(a);
}

await fails(() => fdlab.sendFdsSync(2 ** 30, [file]));
await fails(() => fdlab.recvFds(file));
await fails(() => fdlab.peerCredentials(file));
await fails(() => fdlab.closeFd(2 ** 30));
const binding = loadBinding('solutions');
for (const call of [
  () => binding.sendmsg(0, new Array(3), new Uint8Array(1), true),
  () => binding.sendmsg(0, [], 'x' as never, true),
  () => binding.recvmsg(0, 2 ** 40, 1, true),
  () => binding.waitSync(0, 9, 0),
  () => new binding.PollWatcher(-1, () => {}),
]) {
  await fails(call);
}

// A Worker terminated with receives pending: the cleanup hook closes them.
{
  const [a, b] = fdlab.socketpair();
  const worker = tsWorker(new URL('../test/support/fdlab-worker.ts', import.meta.url), { task: 'pending', socks: [b] });
  const [message] = (await once(worker, 'message')) as [{ own: number[] }];
  await worker.terminate();
  message.own.forEach((fd) => fdlab.closeFd(fd));
  fdlab.closeFd(a);
  fdlab.closeFd(b);
}

closeSync(file);
console.log(`memcheck workload: ${ROUNDS} rounds on each socket type, done`);
