// kit/build-lock.ts: one build of a tree at a time. A second command that
// needs the same tree built (`make watch` beside `make lab-N`) waits for the
// first instead of running node-gyp in the same folder at once.
//
// The lock is flock(2)'s, taken by flock(1) on a file we hold open: the
// kernel drops it when the last process holding that open file ends,
// however it ends, so a killed build can never leave it stuck.
//
// See: flock(1), flock(2).
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** How long a build waits for another build of the same tree. */
const WAIT_SECONDS = 900;

/** The lock could not be taken (no flock(1), or the other build never ended). */
export class BuildLockError extends Error {}

/**
 * Runs body holding the lock file `fdlab-build.lock` in dir. flock(1) takes
 * the lock on our own open file (passed as its fd 3) and exits; the lock
 * stays with the open file. body gets its fd to pass on to the build's
 * processes (node-gyp, make, the compiler), so a build whose kit was killed
 * keeps the lock until its make has ended too. onWait is told once, with
 * the holder's pid, when the lock is taken.
 */
export function withBuildLock<T>(dir: string, what: string, onWait: (message: string) => void, body: (lock: number) => T): T {
  mkdirSync(dir, { recursive: true });
  const lockFile = join(dir, 'fdlab-build.lock');
  const fd = openSync(lockFile, 'a+');
  try {
    const flock = (args: string[]) => spawnSync('flock', [...args, '3'], { stdio: ['ignore', 'ignore', 'pipe', fd], encoding: 'utf8' });
    let locked = flock(['--exclusive', '--nonblock']);
    if (locked.error !== undefined) {
      throw new BuildLockError(`flock(1) could not be run (${locked.error.message}): it comes with util-linux`);
    }
    if (locked.status === 1) {
      const owner = readFileSync(lockFile, 'utf8').trim();
      onWait(`fdlab: waiting for another build of ${what}${/^\d+$/.test(owner) ? ` (pid ${owner})` : ''}`);
      locked = flock(['--exclusive', '--timeout', String(WAIT_SECONDS)]);
    }
    if (locked.status !== 0) {
      throw new BuildLockError(`another build of ${what} still held ${lockFile} after ${WAIT_SECONDS} s (${locked.stderr.trim() || `flock exited with ${locked.status}`})`);
    }
    ftruncateSync(fd, 0);
    writeSync(fd, `${process.pid}\n`);
    return body(fd);
  } finally {
    closeSync(fd);
  }
}
