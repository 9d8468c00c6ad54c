// test/support/fds.ts: what the kernel says about this process's fds, read
// from /proc, so tests can assert on flags, offsets, inodes and leaks.
//
// See: proc(5) (/proc/pid/fd, /proc/pid/fdinfo).
import { fstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { constants } from 'node:fs';

const O_CLOEXEC = 0o2000000;

/** The fds open in this process now (the listing's own dir fd excluded). */
export function openFds(): number[] {
  const listed = readdirSync('/proc/self/fd').map(Number);
  // readdirSync had the directory open while listing it: drop the fd that
  // is no longer open.
  return listed.filter((fd) => {
    try {
      fstatSync(fd);
      return true;
    } catch {
      return false;
    }
  });
}

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
