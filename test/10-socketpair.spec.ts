// The socketpair part of the API: every socket type, close-on-exec, data
// both ways.
import { expect } from 'chai';
import { fstatSync } from 'node:fs';
import { openFdlab, type SocketType } from '../native/index.ts';
import { fdInfo } from './support/fds.ts';

const fdlab = openFdlab('solutions');

describe('socketpair', () => {
  for (const type of ['stream', 'seqpacket', 'dgram'] as SocketType[]) {
    describe(`of type ${type}`, () => {
      let pair: [number, number];
      beforeEach(() => (pair = fdlab.socketpair(type)));
      afterEach(() => pair.forEach((fd) => fdlab.closeFd(fd)));

      it('returns two distinct open sockets', () => {
        const [a, b] = pair;
        expect(a).to.not.equal(b);
        expect(fstatSync(a).isSocket()).to.equal(true);
        expect(fstatSync(b).isSocket()).to.equal(true);
        expect(fdInfo(a).target).to.match(/^socket:\[\d+\]$/);
        expect(fstatSync(a).ino).to.not.equal(fstatSync(b).ino);
      });

      it('marks both ends close-on-exec and leaves them blocking', () => {
        for (const fd of pair) {
          expect(fdInfo(fd).cloexec, `fd ${fd} CLOEXEC`).to.equal(true);
          expect(fdInfo(fd).nonblocking, `fd ${fd} O_NONBLOCK`).to.equal(false);
        }
      });

      it('carries data both ways', () => {
        const [a, b] = pair;
        fdlab.sendFdsSync(a, [], 'ping');
        expect(fdlab.recvFdsSync(b)?.data.toString()).to.equal('ping');
        fdlab.sendFdsSync(b, [], 'pong');
        expect(fdlab.recvFdsSync(a)?.data.toString()).to.equal('pong');
      });

      it('knows the peer is this very process (SO_PEERCRED)', () => {
        const cred = fdlab.peerCredentials(pair[0]);
        expect(cred).to.deep.equal({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
      });
    });
  }

  it('defaults to a stream socket', () => {
    const [a, b] = fdlab.socketpair();
    try {
      // Two sends may be read as one on a stream, never on seqpacket/dgram.
      fdlab.sendFdsSync(a, [], 'ab');
      fdlab.sendFdsSync(a, [], 'cd');
      expect(fdlab.recvFdsSync(b)?.data.toString()).to.equal('abcd');
    } finally {
      fdlab.closeFd(a);
      fdlab.closeFd(b);
    }
  });
});
