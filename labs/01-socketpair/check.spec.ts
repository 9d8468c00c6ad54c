// Lab 01 check: fdlab_socketpair (labs/01-socketpair/socketpair.cc).
// Run it with `make lab-1`. It calls your function through the addon built
// from your tree, and uses the reference sendmsg/recvmsg to move data.
//
// See: socketpair(2), unix(7), proc(5) (/proc/net/unix, /proc/self/fdinfo).
import { fstatSync, readFileSync } from 'node:fs';
import { loadBinding } from '../../native/binding.ts';
import type { SocketType } from '../../native/index.ts';
import { labContext } from '../../kit/check/context.ts';
import { fdFlags, openFdCount } from '../../kit/check/fds.ts';

const lab = labContext(1);

// /proc/net/unix lists every Unix socket with its type and inode: the one
// place that shows a socket really is AF_UNIX and of the type asked for.
const UNIX_TYPES: Record<string, SocketType> = { '0001': 'stream', '0002': 'dgram', '0005': 'seqpacket' };
function unixSocketType(fd: number): SocketType | undefined {
  const inode = String(fstatSync(fd).ino);
  for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[6] === inode) return UNIX_TYPES[fields[4]!];
  }
  return undefined;
}

/** Calls the learner's socketpair and fails with what it threw, if it did. */
function pairOf(type: SocketType): [number, number] {
  try {
    return lab.mine().socketpair(type);
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === 'ENOSYS') lab.fail(`fdlab_socketpair is not written yet (it returns -1 with errno ENOSYS).`, 'a connected pair of sockets');
    return lab.fail(`socketpair('${type}') threw: ${e.message}`, 'it to return two fds');
  }
}

describe('lab 1: socketpair (socketpair.cc)', () => {
  const opened: number[] = [];
  const pair = (type: SocketType): [number, number] => {
    const fds = pairOf(type);
    opened.push(...fds.filter((fd) => fd >= 0));
    return fds;
  };
  afterEach(() => {
    for (const fd of opened.splice(0)) {
      try {
        lab.reference.closeFd(fd);
      } catch {
        // the check closed it already
      }
    }
  });

  for (const type of ['stream', 'seqpacket', 'dgram'] as SocketType[]) {
    it(`makes two distinct AF_UNIX sockets of type ${type}`, () => {
      const [a, b] = pair(type);
      lab.require(a !== b, `both ends are fd ${a}.`, 'two different fds in fds[0] and fds[1]');
      for (const fd of [a, b]) {
        const kind = unixSocketType(fd);
        lab.require(
          kind !== undefined,
          `fd ${fd} is not a Unix socket (it is ${fstatSync(fd).isSocket() ? 'a socket of another family' : 'not a socket at all'}).`,
          'socketpair(AF_UNIX, ...)',
        );
        lab.require(kind === type, `fd ${fd} is a ${kind} socket, but ${type} was asked for.`, `pass the type argument through to socketpair(2)`);
      }
    });
  }

  it('marks both ends close-on-exec, from the moment they exist', () => {
    const [a, b] = pair('stream');
    for (const fd of [a, b]) {
      lab.require(
        fdFlags(fd).cloexec,
        `fd ${fd} is not close-on-exec, so every program this process starts would inherit it.`,
        'SOCK_CLOEXEC or-ed into the type given to socketpair(2) (atomic, unlike a later fcntl)',
      );
    }
  });

  it('leaves both ends blocking (the frame chooses per call whether to wait)', () => {
    for (const fd of pair('stream')) {
      lab.require(!fdFlags(fd).nonblocking, `fd ${fd} is O_NONBLOCK.`, 'no SOCK_NONBLOCK: only SOCK_CLOEXEC');
    }
  });

  it('connects the two ends: data flows both ways', () => {
    const [a, b] = pair('stream');
    lab.reference.sendFdsSync(a, [], 'ping');
    const atB = lab.reference.recvFdsSync(b, { timeoutMs: 2000 });
    lab.require(atB?.data.toString() === 'ping', `"ping" written to fd ${a} did not arrive at fd ${b}.`, 'fds[0] and fds[1] connected to each other');
    lab.reference.sendFdsSync(b, [], 'pong');
    const atA = lab.reference.recvFdsSync(a, { timeoutMs: 2000 });
    lab.require(atA?.data.toString() === 'pong', `"pong" written to fd ${b} did not arrive at fd ${a}.`, 'a pair connected both ways');
  });

  it('opens exactly two fds per call', () => {
    const before = openFdCount();
    pair('stream');
    const opened = openFdCount() - before;
    lab.require(opened === 2, `one call left ${opened} new fd(s) open.`, 'exactly two: the pair itself, nothing else');
  });

  it('reports a failure as -1 with errno, which the frame turns into a Node-style error', () => {
    const binding = loadBinding(lab.tree);
    const before = openFdCount();
    let error: { code?: string; syscall?: string; message?: string } | undefined;
    try {
      binding.socketpair(0x7fff); // no such socket type: the kernel says EINVAL
    } catch (e) {
      error = e as typeof error;
    }
    lab.require(error !== undefined, 'socketpair with an invalid type returned two fds.', 'return -1 when socketpair(2) fails');
    lab.require(
      error!.code === 'EINVAL' && error!.syscall === 'socketpair',
      `it failed with: ${error!.message}`,
      'EINVAL: invalid argument, socketpair (return -1 and leave errno as the syscall set it)',
    );
    lab.require(openFdCount() === before, 'the failed call left fds open.', 'no fd left behind on failure');
  });
});
