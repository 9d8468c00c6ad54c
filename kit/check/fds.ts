// kit/check/fds.ts: what the kernel says about this process's fds, for the
// lab checks: flags from /proc/self/fdinfo, how many fds are open, whether
// one is, and which open file it is.
//
// See: proc(5) (/proc/pid/fd, /proc/pid/fdinfo), fcntl(2), fstat(2).
import { constants, fstatSync, readdirSync, readFileSync } from 'node:fs';

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

/** Whether fd is open in this process. */
export function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/**
 * Which file fd refers to, as "dev:inode": two fds with the same identity
 * are the same file (a passed fd keeps it, whatever its number).
 */
export function fileIdentity(fd: number): string {
  const stat = fstatSync(fd, { bigint: true });
  return `${stat.dev}:${stat.ino}`;
}

/** How many fds this process has open (the count is what leaks change). */
export function openFdCount(): number {
  // readdirSync holds one fd on /proc/self/fd while listing: not ours to count.
  return readdirSync('/proc/self/fd').length - 1;
}
