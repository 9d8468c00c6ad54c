// Waiting never blocks the event loop or takes a libuv thread-pool thread:
// every pending receive is a uv_poll_t on the loop itself.
import { expect } from 'chai';
import { pbkdf2 } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { openFdlab } from '../native/index.ts';
import { expectNoFdLeak, fdInfo } from './support/fds.ts';

const fdlab = openFdlab('solutions');
const PENDING = 64;

describe('the event loop', () => {
  it(`stays free with ${PENDING} receives pending, and so does the thread pool`, () =>
    expectNoFdLeak(async () => {
      const pairs = Array.from({ length: PENDING }, () => fdlab.socketpair());
      try {
        const receiving = pairs.map(([, b]) => fdlab.recvFds(b));

        // The loop turns: timers and immediates still run.
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setTimeout(resolve, 1));
        // The thread pool (4 threads by default) still has room: if each
        // pending receive held a thread, these would never finish.
        const work = [
          readFile(new URL(import.meta.url)),
          ...Array.from({ length: 8 }, () => promisify(pbkdf2)('pw', 'salt', 1, 32, 'sha256')),
        ];
        await Promise.all(work);

        // And every receive still gets its own message.
        pairs.forEach(([a], i) => fdlab.sendFdsSync(a, [], `msg ${i}`));
        const messages = await Promise.all(receiving);
        expect(messages.map((m) => m!.data.toString())).to.deep.equal(pairs.map((_, i) => `msg ${i}`));
      } finally {
        pairs.flat().forEach((fd) => fdlab.closeFd(fd));
      }
    }));

  it('leaves a blocking socket blocking while and after it waits (libuv would set O_NONBLOCK)', () =>
    expectNoFdLeak(async () => {
      const [a, b] = fdlab.socketpair();
      try {
        const receiving = fdlab.recvFds(b);
        await new Promise((resolve) => setImmediate(resolve));
        expect(fdInfo(b).nonblocking, 'while the receive waits').to.equal(false);
        fdlab.sendFdsSync(a, [], 'x');
        await receiving;
        expect(fdInfo(b).nonblocking, 'after the receive').to.equal(false);
      } finally {
        fdlab.closeFd(a);
        fdlab.closeFd(b);
      }
    }));

  it('several receives waiting on one socket share it, each getting one message', () =>
    expectNoFdLeak(async () => {
      const [a, b] = fdlab.socketpair('seqpacket');
      try {
        const receiving = Array.from({ length: 5 }, () => fdlab.recvFds(b));
        for (let i = 0; i < 5; i++) fdlab.sendFdsSync(a, [], `m${i}`);
        const got = (await Promise.all(receiving)).map((m) => m!.data.toString()).sort();
        expect(got).to.deep.equal(['m0', 'm1', 'm2', 'm3', 'm4']);
      } finally {
        fdlab.closeFd(a);
        fdlab.closeFd(b);
      }
    }));

  it('a send waits for room when the socket buffer is full, without blocking the loop', () =>
    expectNoFdLeak(async () => {
      const [a, b] = fdlab.socketpair();
      try {
        const big = Buffer.alloc(8 << 20, 1); // far more than the socket buffer holds
        let sent = false;
        const sending = fdlab.sendFds(a, [], big).then((n) => ((sent = true), n));
        await new Promise((resolve) => setImmediate(resolve));
        expect(sent, 'the send is still waiting for the reader').to.equal(false);
        let total = 0;
        while (total < big.length) total += (await fdlab.recvFds(b, { maxBytes: 1 << 20 }))!.data.length;
        expect(await sending).to.equal(big.length);
      } finally {
        fdlab.closeFd(a);
        fdlab.closeFd(b);
      }
    }));
});
