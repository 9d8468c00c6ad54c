// Lab 02, the child's side: find the socket the parent passed.
// Read labs/02-spawn/README.md first; check your work with `make lab-2`.
//
// The child does not scan its fds for something that looks like a socket (as
// the seed does): the parent said where it is, in FDLAB_SOCK_FD, and the
// child checks that the fd really is a socket before trusting it.
//
// See: fstat(2), inode(7) (S_IFSOCK), environ(7).

/** The fd of the socket the parent passed, or a clear error if there is none. */
export function inheritedSocket(): number {
  // TODO(lab 2): read process.env[SOCK_FD_ENV] (import { SOCK_FD_ENV } from
  // './spawn.ts') and return that fd once you know it is a socket. Throw an
  // Error whose message names SOCK_FD_ENV and says what is wrong when:
  //   - the variable is not set;
  //   - it is not an fd number (digits only: not '', '3x', '0x3', '3.0');
  //   - that fd is not open (fstatSync from 'node:fs' throws: say which fd);
  //   - that fd is open but not a socket (fstatSync(fd).isSocket() is false).
  throw new Error('inheritedSocket is not written yet: see TODO(lab 2) in labs/02-spawn/child.ts');
}
