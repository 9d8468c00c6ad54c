// kit/check/fds.ts: what the kernel says about this process's fds, for the
// lab checks: flags from /proc/self/fdinfo, and how many fds are open.
//
// See: proc(5) (/proc/pid/fd, /proc/pid/fdinfo), fcntl(2).
import { constants, readdirSync, readFileSync } from 'node:fs';

const O_CLOEXEC = 0o2000000;

export function fdFlags(fd: number, pid: number | 'self' = 'self'): { cloexec: boolean; nonblocking: boolean; pos: number } {
  const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
  const flags = parseInt(/^flags:\s+(\d+)/m.exec(info)![1]!, 8);
  return {
    cloexec: (flags & O_CLOEXEC) !== 0,
    nonblocking: (flags & constants.O_NONBLOCK) !== 0,
    pos: Number(/^pos:\s+(\d+)/m.exec(info)![1]),
  };
}

/** How many fds this process has open (the count is what leaks change). */
export function openFdCount(): number {
  // readdirSync holds one fd on /proc/self/fd while listing: not ours to count.
  return readdirSync('/proc/self/fd').length - 1;
}
