// At the edges of scale: 253 fds (SCM_MAX_FD) in one message on every socket
// type, and thousands of receives pending at once, on thousands of sockets
// and on one. Each pending receive is a waiter on a shared uv_poll_t, not a
// thread, and every one of them ends cleanly: with a message, an abort, or
// the close of its socket.
import { expect } from 'chai';
import { setMaxListeners } from 'node:events';
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFdlab, type SocketType } from '../native/index.ts';
import { expectNoFdLeak, fdInfo, openFds } from './support/fds.ts';
import { rejectionOf } from './support/promises.ts';

const fdlab = openFdlab('solutions');

// Two fds per pair: stay well inside this process's limit wherever it runs.
const fdLimit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]);
const PENDING = Math.max(100, Math.min(2000, Math.floor((fdLimit - openFds().length - 300) / 2)));

describe('at scale', () => {
  let dir: string;
  let files: number[];
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdlab-scale-'));
    files = Array.from({ length: 253 }, (_, i) => openSync(join(dir, `f${i}`), 'w+'));
  });
  after(() => {
    files.forEach((fd) => closeSync(fd));
    rmSync(dir, { recursive: true, force: true });
  });

  for (const type of ['stream', 'seqpacket', 'dgram'] as SocketType[]) {
    for (const api of ['sync', 'async'] as const) {
      it(`253 distinct files in one ${type} message (${api}): all arrive, in order, close-on-exec`, () =>
        expectNoFdLeak(async () => {
          const [a, b] = fdlab.socketpair(type);
          try {
            const got =
              api === 'sync'
                ? (fdlab.sendFdsSync(a, files, 'all of them'), fdlab.recvFdsSync(b, { maxFds: 253 }))
                : (await fdlab.sendFds(a, files, 'all of them'), await fdlab.recvFds(b, { maxFds: 253 }));
            expect(got!.fds).to.have.length(253);
            got!.fds.forEach((fd, i) => {
              expect(fstatSync(fd).ino, `fd ${i}`).to.equal(fstatSync(files[i]!).ino);
              expect(fdInfo(fd).cloexec).to.equal(true);
            });
            got!.fds.forEach((fd) => fdlab.closeFd(fd));
          } finally {
            fdlab.closeFd(a);
            fdlab.closeFd(b);
          }
        }));
    }
  }

  it('253 fds received with maxFds 252: EMSGSIZE, and not one of the 252 that arrived is left open', () =>
    expectNoFdLeak(async () => {
      const [a, b] = fdlab.socketpair('seqpacket');
      try {
        await fdlab.sendFds(a, files);
        expect((await rejectionOf(fdlab.recvFds(b, { maxFds: 252 }))).code).to.equal('EMSGSIZE');
      } finally {
        fdlab.closeFd(a);
        fdlab.closeFd(b);
      }
    }));

  it(`${PENDING} receives pending on ${PENDING} sockets: every one gets its own message`, () =>
    expectNoFdLeak(async () => {
      const pairs = Array.from({ length: PENDING }, () => fdlab.socketpair());
      try {
        const receiving = pairs.map(([, b]) => fdlab.recvFds(b));
        await new Promise((resolve) => setImmediate(resolve));
        pairs.forEach(([a], i) => fdlab.sendFdsSync(a, [a], `to ${i}`));
        const got = await Promise.all(receiving);
        got.forEach((m, i) => {
          expect(m!.data.toString()).to.equal(`to ${i}`);
          m!.fds.forEach((fd) => fdlab.closeFd(fd));
        });
      } finally {
        pairs.flat().forEach((fd) => fdlab.closeFd(fd));
      }
    }));

  it(`${PENDING} receives pending on one socket: ${PENDING} messages, one each`, () =>
    expectNoFdLeak(async () => {
      const [a, b] = fdlab.socketpair('seqpacket');
      try {
        const receiving = Array.from({ length: PENDING }, () => fdlab.recvFds(b));
        await new Promise((resolve) => setImmediate(resolve));
        // Async sends: so many messages overflow the socket buffer, and a
        // sync send would then block the very thread that must receive.
        const sending = Array.from({ length: PENDING }, (_, i) => fdlab.sendFds(a, [], `m${i}`));
        const got = (await Promise.all(receiving)).map((m) => m!.data.toString());
        await Promise.all(sending);
        expect(new Set(got).size).to.equal(PENDING);
      } finally {
        fdlab.closeFd(a);
        fdlab.closeFd(b);
      }
    }));

  it(`${PENDING} pending receives all end cleanly: half by one abort, half by closing their sockets`, () =>
    expectNoFdLeak(async () => {
      const pairs = Array.from({ length: PENDING }, () => fdlab.socketpair());
      const controller = new AbortController();
      setMaxListeners(PENDING, controller.signal); // one signal for many waits is the point here
      const receiving = pairs.map(([, b], i) => fdlab.recvFds(b, i % 2 === 0 ? { signal: controller.signal } : {}));
      await new Promise((resolve) => setImmediate(resolve));
      controller.abort();
      pairs.forEach(([, b], i) => i % 2 === 1 && fdlab.closeFd(b));
      const codes = (await Promise.all(receiving.map((r) => rejectionOf(r)))).map((e) => e.code);
      expect(codes.filter((c) => c === 'ABORT_ERR')).to.have.length(Math.ceil(PENDING / 2));
      expect(codes.filter((c) => c === 'EBADF')).to.have.length(Math.floor(PENDING / 2));
      pairs.forEach(([a, b], i) => {
        fdlab.closeFd(a);
        if (i % 2 === 0) fdlab.closeFd(b);
      });
    }));
});
