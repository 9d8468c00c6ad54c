// test/support/fds.ts: what the kernel says about this process's fds, read
// from /proc, so tests can assert on flags, offsets, inodes and leaks.
//
// See: proc(5) (/proc/pid/fd, /proc/pid/fdinfo).
import { constants, readFileSync, readlinkSync } from 'node:fs';
import { openFdNumbers } from '../../kit/check/fds.ts';

const O_CLOEXEC = 0o2000000;

/**
 * The fds open in this process now, but tsx's own cache files, which its
 * loader opens and closes on the thread pool at any moment (kit/check/fds.ts).
 */
export const openFds = openFdNumbers;

export interface FdInfo {
  pos: number;
  flags: number;
  cloexec: boolean;
  nonblocking: boolean;
  target: string;
}

export function fdInfo(fd: number, pid: number | 'self' = 'self'): FdInfo {
  const text = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
  const field = (name: string): string => {
    const match = new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(text);
    if (!match) throw new Error(`no ${name} in /proc/${pid}/fdinfo/${fd}`);
    return match[1]!;
  };
  const flags = parseInt(field('flags'), 8);
  return {
    pos: Number(field('pos')),
    flags,
    cloexec: (flags & O_CLOEXEC) !== 0,
    nonblocking: (flags & constants.O_NONBLOCK) !== 0,
    target: readlinkSync(`/proc/${pid}/fd/${fd}`),
  };
}

/** Fails the test if fds were opened and not closed inside `body`. */
export async function expectNoFdLeak(body: () => unknown): Promise<void> {
  const before = openFds();
  await body();
  const after = openFds();
  const leaked = after.filter((fd) => !before.includes(fd));
  if (leaked.length > 0) {
    const what = leaked.map((fd) => `${fd} -> ${readlinkSync(`/proc/self/fd/${fd}`)}`).join(', ');
    throw new Error(`leaked ${leaked.length} fd(s): ${what}`);
  }
}
