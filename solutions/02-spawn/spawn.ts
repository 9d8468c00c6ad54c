// Lab 02 solution: start a child that inherits one end of a socketpair as
// its fd 3, and tell it so through its environment.
//
// runC does the same with its init pipe: the parent passes the socket at a
// known fd and names it in _LIBCONTAINER_INITPIPE, so the child never has to
// guess (the seed's child probes fds 3..10 instead, which can pick up the
// wrong socket). systemd's LISTEN_FDS works the same way. Here the name is
// FDLAB_SOCK_FD.
//
// See: fork(2), execve(2), dup2(2), environ(7), and child_process.spawn's
// `stdio` option in the Node.js docs.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeFd } from '../../native/index.ts';

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
  const std = options.stdio ?? 'inherit';
  // Index 3 of stdio becomes the child's fd 3: libuv dup2()s childEnd onto
  // it between fork and exec, and dup2 clears close-on-exec on the copy, so
  // this one fd survives the exec while every other CLOEXEC fd does not.
  // A number means "this fd of mine"; 'pipe' there would make a new socket.
  const stdio: StdioOptions = [std, std, std, childEnd];
  try {
    return spawn(command, args, {
      stdio,
      // A new object: the caller's env and our own process.env stay as they
      // were, so no later child of ours inherits a stale FDLAB_SOCK_FD.
      env: { ...(options.env ?? process.env), [SOCK_FD_ENV]: String(CHILD_SOCK_FD) },
    });
  } finally {
    // The child has its own copy now (or never will: a bad argument throws
    // here, a missing program reports ENOENT later as an 'error' event).
    // Ours must go: end-of-file reaches the parent only when every copy of
    // the child's end is closed, so a parent that keeps it waits forever for
    // a child that has long exited.
    closeFd(childEnd);
  }
}
