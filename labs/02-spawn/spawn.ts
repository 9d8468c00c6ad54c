// Lab 02: start a child that inherits one end of a socketpair as its fd 3,
// and tell it so through its environment.
// Read labs/02-spawn/README.md first; check your work with `make lab-2`.
//
// runC does the same with its init pipe: the parent passes the socket at a
// known fd and names it in _LIBCONTAINER_INITPIPE, so the child never has to
// guess (the seed's child probes fds 3..10 instead, which can pick up the
// wrong socket). systemd's LISTEN_FDS works the same way. Here the name is
// FDLAB_SOCK_FD.
//
// See: fork(2), execve(2), dup2(2), environ(7), and child_process.spawn's
// `stdio` option in the Node.js docs.
import type { ChildProcess } from 'node:child_process';

/** The fd number the child finds its socket at. */
export const CHILD_SOCK_FD = 3;
/** The environment variable that tells the child where its socket is. */
export const SOCK_FD_ENV = 'FDLAB_SOCK_FD';

export interface SpawnWithSocketOptions {
  /** The child's stdin, stdout, stderr (default: inherit all three). */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  env?: NodeJS.ProcessEnv;
}

/**
 * Spawns `command args` with `childEnd` as the child's fd 3 and
 * FDLAB_SOCK_FD=3 in its environment, then closes the parent's copy of
 * `childEnd` (the parent owns it no longer, even if the spawn fails).
 */
export function spawnWithSocket(
  command: string,
  args: readonly string[],
  childEnd: number,
  options: SpawnWithSocketOptions = {},
): ChildProcess {
  // TODO(lab 2): start `command args` with Node's spawn (import { spawn }
  // from 'node:child_process') and return the ChildProcess it gives you:
  //   - stdio: the child's fds 0, 1 and 2 are options.stdio (default
  //     'inherit'), and its fd 3 is childEnd (index 3 of the stdio array);
  //   - env: a new object, options.env (default process.env) plus
  //     SOCK_FD_ENV set to String(CHILD_SOCK_FD);
  //   - then close the parent's copy of childEnd with closeFd (import
  //     { closeFd } from '../../native/index.ts'), even when spawn throws.
  void command;
  void args;
  void childEnd;
  void options;
  throw new Error('spawnWithSocket is not written yet: see TODO(lab 2) in labs/02-spawn/spawn.ts');
}
