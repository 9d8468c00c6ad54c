// kit/commands/reset.ts: `make reset-N` puts lab N's editable files back
// to their starting state (kit/starting-state.ts), after copying what it
// replaces into .fdlab/backups/, so a reset can always be undone by hand.
// Only the files the manifest lists for the lab are touched; hint levels
// stay, and the lab's last result is forgotten (it was about other code).
//
// Every backup is written, and its place printed, before the first file is
// replaced: a reset that stops half-way (a full disk, a file it may not
// write) still tells the learner where their version is and which files
// were replaced. A backup that cannot be made stops the reset before any
// file is touched.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { findLab } from '../manifest.ts';
import { root } from '../paths.ts';
import { currentContent, startingVersion, type StartingVersion } from '../starting-state.ts';
import { shownPath as shown } from '../state-files.ts';
import { backupsDir, removeResult } from '../state.ts';
import { paint } from '../terminal.ts';

/** A fresh folder for this reset's backups: .fdlab/backups/lab-N-<time>. */
function newBackupFolder(id: number): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let folder = join(backupsDir, `lab-${id}-${stamp}`);
  for (let n = 2; existsSync(folder); n++) folder = join(backupsDir, `lab-${id}-${stamp}-${n}`);
  return folder;
}

const why = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function resetCommand(id: number): number {
  const lab = findLab(id);
  const p = paint();
  const starts: StartingVersion[] = [];
  for (const file of lab.files) {
    const start = startingVersion(lab, file);
    if ('missing' in start) {
      process.stderr.write(`fdlab: cannot reset lab ${id}: ${start.missing}.\nNothing was changed.\n`);
      return 1;
    }
    starts.push(start);
  }

  const changed = starts.filter((start) => !currentContent(start.path)?.equals(start.content));
  if (changed.length === 0) {
    process.stdout.write(`lab ${id}'s files are already as they started; nothing to reset.\n`);
    return 0;
  }

  const backups = newBackupFolder(id);
  const saved: string[] = [];
  try {
    for (const start of changed) {
      const file = join(root, start.path);
      if (existsSync(file)) {
        const backup = join(backups, start.path);
        mkdirSync(dirname(backup), { recursive: true });
        copyFileSync(file, backup);
        saved.push(backup);
      }
    }
  } catch (error) {
    // Nothing was replaced: a partial backup would only mislead.
    rmSync(backups, { recursive: true, force: true });
    process.stderr.write(`fdlab: cannot reset lab ${id}: backing up your files failed (${why(error)}).\nNothing was changed.\n`);
    return 1;
  }
  if (saved.length > 0) {
    const lines = [`Your version is saved in ${shown(backups)}/. To get it back:`];
    for (const backup of saved) lines.push(`  cp ${shown(backup)} ${relative(backups, backup)}`);
    process.stdout.write(`${lines.join('\n')}\n\n`);
  }

  const replaced: StartingVersion[] = [];
  for (const start of changed) {
    try {
      mkdirSync(dirname(join(root, start.path)), { recursive: true });
      writeFileSync(join(root, start.path), start.content);
    } catch (error) {
      // The replaced files are no longer what the last result was about.
      if (replaced.length > 0) removeResult('labs', id);
      const lines = [`fdlab: the reset of lab ${id} stopped half-way: cannot write ${start.path} (${why(error)}).`];
      for (const done of replaced) lines.push(`  ${done.path} is back to its starting state`);
      for (const left of changed.slice(replaced.length)) lines.push(`  ${left.path} was not changed`);
      if (saved.length > 0) lines.push(`Your version is still in ${shown(backups)}/: the cp lines above put it back.`);
      process.stderr.write(`${lines.join('\n')}\n`);
      return 1;
    }
    replaced.push(start);
  }
  removeResult('labs', id);

  const lines = [`${p.good('reset')} lab ${id}, ${lab.title}:`];
  for (const start of changed) lines.push(`  ${start.path} is back to its starting state (commit ${start.commit.slice(0, 7)})`);
  lines.push('', `Next: make lab-${id}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
