// test/support/project-copy.ts: a throwaway copy of the project, for tests
// that must build and run the kit as a learner would without touching this
// checkout. The files are the working tree's (tracked and untracked, never
// ignored ones), except the labs' edit files, which come from HEAD: the
// copy starts from untouched labs even in a learner's checkout.
// node_modules is shared through a symlink; the builds happen in the copy.
// Files keep their modification times, so that a copy can start from this
// checkout's native builds (`seedBuilds`): make then compiles only what
// differs, as it would in the checkout. A test about a first build asks for
// no seed and gets none.
// A copy is removed by its test's after hook, and, should the run end first
// (Ctrl-C, SIGTERM, a hang-up), by this process on its way out.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tree } from '../../native/binding.ts';
import { loadLabs } from '../../kit/manifest.ts';
import { root } from '../../kit/paths.ts';

function git(args: string[]): string {
  // git's complaints are answered by the callers, not printed in the test run.
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface ProjectCopy {
  dir: string;
  remove(): void;
}

const live = new Set<string>();

function removeLive(): void {
  for (const dir of live) rmSync(dir, { recursive: true, force: true });
  live.clear();
}

let cleanupInstalled = false;

/** Removes every copy still there when the process exits, or when a signal ends it (then dies of that signal, as it would have). */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once('exit', removeLive);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      removeLive();
      process.off(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/**
 * Copies paths (files or folders, from the project root) into dir, keeping
 * their modification times to the nanosecond, as the kit's build stamp
 * records them: cp(1) does (utimensat(2)); Node's own copy rounds to the
 * millisecond.
 */
function copyKeepingTimes(paths: readonly string[], dir: string): void {
  if (paths.length === 0) return;
  execFileSync('xargs', ['-0', 'cp', '--recursive', '--parents', '--no-dereference', '--preserve=mode,timestamps', '--target-directory', dir, '--'], {
    cwd: root,
    input: paths.join('\0'),
    stdio: ['pipe', 'ignore', 'pipe'],
  });
}

export interface CopyOptions {
  /** The trees whose build folder (native/trees/<tree>/build) this checkout lends the copy; default none. */
  seedBuilds?: readonly Tree[];
}

export function copyProject(options: CopyOptions = {}): ProjectCopy {
  installCleanup();
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-copy-'));
  live.add(dir);
  const files = git(['ls-files', '--cached', '--others', '--exclude-standard', '-z'])
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(root, file))); // listed by git, but maybe deleted in the working tree
  copyKeepingTimes(files, dir);
  for (const lab of loadLabs()) {
    for (const file of lab.files) {
      const path = `labs/${lab.folder}/${file}`;
      let committed: string;
      try {
        committed = git(['show', `HEAD:${path}`]);
      } catch {
        continue; // not committed yet: the working tree's copy stands
      }
      // Rewritten only where it differs, so an unchanged file keeps its time.
      if (!existsSync(join(dir, path)) || readFileSync(join(dir, path), 'utf8') !== committed) writeFileSync(join(dir, path), committed);
    }
  }
  const builds = (options.seedBuilds ?? []).map((tree) => `native/trees/${tree}/build`).filter((build) => existsSync(join(root, build)));
  copyKeepingTimes(builds, dir);
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      live.delete(dir);
    },
  };
}
