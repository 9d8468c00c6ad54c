// Nothing leaks: not on truncation, not on any error path, not over many
// round trips. Each test compares /proc/self/fd before and after.
import { expect } from 'chai';
import { closeSync, openSync } from 'node:fs';
import { openFdlab } from '../native/index.ts';
import { expectNoFdLeak, openFds } from './support/fds.ts';
import { rejectionOf, thrownBy } from './support/promises.ts';

const fdlab = openFdlab('solutions');

function withPair(body: (a: number, b: number) => Promise<void> | void): () => Promise<void> {
  return () =>
    expectNoFdLeak(async () => {
      const [a, b] = fdlab.socketpair();
      try {
        await body(a, b);
      } finally {
        fdlab.closeFd(a);
        fdlab.closeFd(b);
      }
    });
}

describe('no leaks', () => {
  it(
    'a truncated control message fails with EMSGSIZE and closes every fd that arrived',
    withPair(async (a, b) => {
      const file = openSync('/dev/null', 'r');
      try {
        fdlab.sendFdsSync(a, [file, file, file], 'three');
        const before = openFds().length;
        const error = thrownBy(() => fdlab.recvFdsSync(b, { maxFds: 1 }));
        expect(error.code).to.equal('EMSGSIZE');
        expect(error.syscall).to.equal('recvmsg');
        expect(error.message).to.include('control message truncated');
        expect(openFds().length, 'fd count after the truncated receive').to.equal(before);
      } finally {
        closeSync(file);
      }
    }),
  );

  it(
    'the async receive closes them too',
    withPair(async (a, b) => {
      const file = openSync('/dev/null', 'r');
      try {
        fdlab.sendFdsSync(a, new Array(20).fill(file));
        expect((await rejectionOf(fdlab.recvFds(b, { maxFds: 19 }))).code).to.equal('EMSGSIZE');
      } finally {
        closeSync(file);
      }
    }),
  );

  it(
    'fds queued in a socket are released when the socket is closed unread',
    withPair((a) => {
      const file = openSync('/dev/null', 'r');
      fdlab.sendFdsSync(a, [file, file]);
      closeSync(file);
    }),
  );

  it(
    '1,000 async round trips with error paths mixed in leave the fd count unchanged',
    withPair(async (a, b) => {
      const file = openSync('/dev/null', 'r');
      try {
        for (let i = 0; i < 1000; i++) {
          const receiving = fdlab.recvFds(b, { maxFds: 2 });
          await fdlab.sendFds(a, i % 10 === 0 ? [file, file, file] : [file], 'x');
          if (i % 10 === 0) {
            expect((await rejectionOf(receiving)).code).to.equal('EMSGSIZE');
          } else {
            (await receiving)!.fds.forEach((fd) => fdlab.closeFd(fd));
          }
          if (i % 7 === 0) await rejectionOf(fdlab.recvFds(b, { timeoutMs: 0 }));
          if (i % 11 === 0) await rejectionOf(fdlab.recvFds(b, { signal: AbortSignal.abort() }));
        }
      } finally {
        closeSync(file);
      }
    }),
  );

  it('failed calls open nothing', () =>
    expectNoFdLeak(async () => {
      thrownBy(() => fdlab.sendFdsSync(1_000_000, []));
      thrownBy(() => fdlab.recvFdsSync(1_000_000));
      await rejectionOf(fdlab.recvFds(0));
      thrownBy(() => fdlab.sendFdsSync(0, new Array(254).fill(0)));
    }));
});
