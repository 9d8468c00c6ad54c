// kit/check/ptys.ts: which of this process's fds are on a pseudo-terminal,
// told by what /proc/self/fd says each one points at. A check that counts
// these, rather than every open fd, sees only the ptys the code under test
// made or leaked: never the files that other code opens and closes meanwhile
// on other threads (tsx writing its cache on libuv's thread pool, say).
//
// See: pty(7), proc(5) (/proc/pid/fd).
import { readdirSync, readlinkSync } from 'node:fs';

/** What a pty master's fd points at: /dev/ptmx, or /dev/pts/ptmx in a container with its own devpts. */
export const PTY_MASTER_PATHS: readonly string[] = ['/dev/ptmx', '/dev/pts/ptmx'];

const SLAVE_PATH = /^\/dev\/pts\/\d+$/;

/** What fd points at (its /proc/self/fd link), or undefined if it is not open. */
export function fdTarget(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** This process's fds that point at one of `targets`. */
export function fdsPointingAt(targets: readonly string[]): number[] {
  return readdirSync('/proc/self/fd')
    .map(Number)
    .filter((fd) => {
      const target = fdTarget(fd);
      return target !== undefined && targets.includes(target);
    });
}

export function isPtyMaster(fd: number): boolean {
  return PTY_MASTER_PATHS.includes(fdTarget(fd) ?? '');
}

/** This process's fds on a pty: masters, slaves (/dev/pts/N), or either end. */
export function ptyFds(end: 'master' | 'slave' | 'either' = 'either'): number[] {
  return readdirSync('/proc/self/fd')
    .map(Number)
    .filter((fd) => {
      const target = fdTarget(fd);
      if (target === undefined) return false;
      const master = PTY_MASTER_PATHS.includes(target);
      const slave = SLAVE_PATH.test(target);
      return end === 'master' ? master : end === 'slave' ? slave : master || slave;
    });
}
