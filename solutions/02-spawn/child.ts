// Lab 02 solution, the child's side: find the socket the parent passed.
//
// The child does not scan its fds for something that looks like a socket (as
// the seed does): the parent said where it is, in FDLAB_SOCK_FD, and the
// child checks that the fd really is a socket before trusting it.
//
// See: fstat(2), inode(7) (S_IFSOCK), environ(7).
import { fstatSync } from 'node:fs';
import { SOCK_FD_ENV } from './spawn.ts';

/** The fd of the socket the parent passed, or a clear error if there is none. */
export function inheritedSocket(): number {
  const value = process.env[SOCK_FD_ENV];
  if (value === undefined) {
    throw new Error(`${SOCK_FD_ENV} is not set: this program must be started by its parent with a socket at fd 3`);
  }
  // Digits only: Number('') is 0 (stdin), and parseInt('3x'), Number('0x3')
  // and Number('3.0') are all 3, so a lax parse turns nonsense into an fd.
  if (!/^\d+$/.test(value)) throw new Error(`${SOCK_FD_ENV}=${JSON.stringify(value)} is not an fd number`);
  const fd = Number(value);
  let isSocket: boolean;
  try {
    isSocket = fstatSync(fd).isSocket();
  } catch (error) {
    throw new Error(`${SOCK_FD_ENV}=${fd}, but fd ${fd} is not open in this process`, { cause: error });
  }
  // "Open" is not enough: in a Node process that inherited nothing at fd 3,
  // fd 3 is Node's own epoll fd. Only a socket can be the parent's end.
  if (!isSocket) throw new Error(`${SOCK_FD_ENV}=${fd}, but fd ${fd} is not a socket`);
  return fd;
}
