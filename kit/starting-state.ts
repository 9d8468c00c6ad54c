// kit/starting-state.ts: what a lab's editable files looked like before the
// learner touched them, from git's history of the clone. `make reset-N`
// restores it; `make status` compares with it to tell "not started" from
// "edited but never checked".
//
// The starting version of labs/NN-*/file is the newest committed version
// that still carries its `TODO(lab N)` marker: in a fresh clone that is
// HEAD's; a learner who committed their finished work gets the kit's stub
// back, not their own commit.
//
// See: git-log(1), git-show(1) (the <rev>:./<path> syntax).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labFile, type Lab } from './manifest.ts';
import { root } from './paths.ts';

export interface StartingVersion {
  /** The file as the project path the learner sees, e.g. labs/01-socketpair/socketpair.cc. */
  path: string;
  content: Buffer;
  /** The commit it was taken from. */
  commit: string;
}

function git(args: string[]): { ok: boolean; stdout: Buffer; stderr: string } {
  const run = spawnSync('git', args, { cwd: root, maxBuffer: 64 << 20 });
  if (run.error) return { ok: false, stdout: Buffer.alloc(0), stderr: run.error.message };
  return { ok: run.status === 0, stdout: run.stdout, stderr: run.stderr.toString() };
}

/** How far back to look: a lab file's history is short; a bound keeps a wrong guess cheap. */
const MAX_COMMITS = 200;

/**
 * The starting version of one of the lab's files, or a sentence saying why
 * there is none (not a git clone, never committed, no marked version).
 */
export function startingVersion(lab: Lab, file: string): StartingVersion | { missing: string } {
  const path = labFile('labs', lab, file);
  const log = git(['log', `--max-count=${MAX_COMMITS}`, '--format=%H', '--', path]);
  if (!log.ok) return { missing: `git cannot read the history of ${path} (${log.stderr.trim() || 'is this a git clone?'})` };
  const commits = log.stdout.toString().split('\n').filter(Boolean);
  if (commits.length === 0) return { missing: `${path} has never been committed, so there is no starting version to go back to` };
  const marker = Buffer.from(`TODO(lab ${lab.id})`);
  for (const commit of commits) {
    const shown = git(['show', `${commit}:./${path}`]);
    if (shown.ok && shown.stdout.includes(marker)) return { path, content: shown.stdout, commit };
  }
  return { missing: `no committed version of ${path} still has its TODO(lab ${lab.id}) marker` };
}

/** The file's bytes now, or undefined if it is gone. */
export function currentContent(path: string): Buffer | undefined {
  try {
    return readFileSync(join(root, path));
  } catch {
    return undefined;
  }
}

/**
 * True when any of the lab's files differs from its starting version.
 * Without git history to compare with, a lab counts as untouched.
 */
export function editedSinceStart(lab: Lab): boolean {
  return lab.files.some((file) => {
    const start = startingVersion(lab, file);
    if ('missing' in start) return false;
    const now = currentContent(start.path);
    return now === undefined || !now.equals(start.content);
  });
}
