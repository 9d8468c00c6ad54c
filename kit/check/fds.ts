// kit/check/fds.ts: what the kernel says about this process's fds, for the
// lab checks: flags from /proc/self/fdinfo, how many fds are open, whether
// one is, and which open file it is.
//
// See: proc(5) (/proc/pid/fd, /proc/pid/fdinfo), fcntl(2), fstat(2).
import { constants, fstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

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

/**
 * tsx's transform cache: tsx writes and scans it on libuv's thread pool at
 * any moment while a module is first compiled (in a Mocha worker, while the
 * tests of the file it just loaded already run), so an fd there is never
 * the code under test's. A check's TMPDIR holds a link to the kit's cache,
 * and /proc names the file by its real path: both are left out.
 */
function tsxCacheDirs(): string[] {
  const dir = join(tmpdir(), `tsx-${userInfo().uid}`);
  try {
    return [dir, realpathSync(dir)];
  } catch {
    return [dir]; // no cache yet
  }
}

/**
 * The fds this process has open that the code under test could have opened
 * (what leaks change): every open fd but those in tsx's cache.
 */
export function openFdNumbers(): number[] {
  const cacheDirs = tsxCacheDirs();
  return readdirSync('/proc/self/fd')
    .map(Number)
    .filter((fd) => {
      let target: string;
      try {
        target = readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        return false; // closed since the listing: readdirSync's own fd on /proc/self/fd, for one
      }
      return !cacheDirs.some((dir) => target === dir || target.startsWith(`${dir}/`));
    });
}

/** How many fds openFdNumbers() finds. */
export function openFdCount(): number {
  return openFdNumbers().length;
}
