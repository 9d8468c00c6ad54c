// test/support/project-copy.ts: a throwaway copy of the project, for tests
// that must build and run the kit as a learner would without touching this
// checkout. The files are the working tree's (tracked and untracked, never
// ignored ones), except the labs' edit files, which come from HEAD: the
// copy starts from untouched labs even in a learner's checkout.
// node_modules is shared through a symlink; the builds happen in the copy.
// A copy is removed by its test's after hook, and, should the run end first
// (Ctrl-C, SIGTERM, a hang-up), by this process on its way out.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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

export function copyProject(): ProjectCopy {
  installCleanup();
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-copy-'));
  live.add(dir);
  const files = git(['ls-files', '--cached', '--others', '--exclude-standard', '-z']).split('\0').filter(Boolean);
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    try {
      cpSync(join(root, file), join(dir, file));
    } catch {
      // listed by git but deleted in the working tree
    }
  }
  for (const lab of loadLabs()) {
    for (const file of lab.files) {
      const path = `labs/${lab.folder}/${file}`;
      let committed: string;
      try {
        committed = git(['show', `HEAD:${path}`]);
      } catch {
        continue; // not committed yet: the working tree's copy stands
      }
      writeFileSync(join(dir, path), committed);
    }
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      live.delete(dir);
    },
  };
}
