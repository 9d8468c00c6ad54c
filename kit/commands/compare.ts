// kit/commands/compare.ts: `make compare-N`, once lab N passes, shows each
// file the learner wrote beside the solution's, as a unified diff: "-" lines
// are the learner's, "+" lines the solution's. Both pass the same check; the
// diff shows another way, not a correction. Before a pass it refuses: the
// diff would be the answer, and hints are the way to get unstuck.
// Colour only on a terminal without NO_COLOR (kit/terminal.ts).
//
// See: diff(1) (the unified format), kit/line-diff.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findLab, labFile } from '../manifest.ts';
import { root } from '../paths.ts';
import { isPassing, readResult } from '../state.ts';
import { unifiedHunks } from '../line-diff.ts';
import { paint, type Paint } from '../terminal.ts';

function read(path: string): string | undefined {
  try {
    return readFileSync(join(root, path), 'utf8');
  } catch {
    return undefined;
  }
}

/** One file's diff, with its two headers; a one-line note when there is nothing to show. */
function compareFile(id: number, mine: string, solution: string, p: Paint): string {
  const mineText = read(mine);
  const solutionText = read(solution);
  if (mineText === undefined) return `${mine} is missing (make reset-${id} brings back its starting version).`;
  if (solutionText === undefined) return `${solution} is missing: the kit is incomplete (make doctor).`;
  const hunks = unifiedHunks(mineText, solutionText);
  if (hunks.length === 0) return `${mine} is the same as ${solution}.`;
  const out = [p.bold(`--- ${mine} (yours)`), p.bold(`+++ ${solution} (the solution)`)];
  for (const hunk of hunks) {
    out.push(p.dim(hunk.header));
    for (const line of hunk.lines) {
      const text = `${line.kind}${line.text}`;
      out.push(line.kind === '-' ? p.bad(text) : line.kind === '+' ? p.good(text) : text);
    }
  }
  return out.join('\n');
}

export function compareCommand(id: number): number {
  const lab = findLab(id);
  if (!isPassing(readResult('labs', id))) {
    process.stderr.write(
      `lab ${id} does not pass yet, and its solution would give the answer away. ` +
        `Get it passing first: make lab-${id} (stuck? make hint-${id}).\n` +
        `Then make compare-${id} shows your files beside the solution's.\n`,
    );
    return 1;
  }
  const p = paint();
  const parts = lab.files.map((file) => compareFile(id, labFile('labs', lab, file), labFile('solutions', lab, file), p));
  process.stdout.write(`${parts.join('\n\n')}\n\n`);
  process.stdout.write(p.dim(`Lines with - are yours, lines with + the solution's. Both pass lab ${id}'s check: the solution is one way to write it, not the only one.\n`));
  return 0;
}
