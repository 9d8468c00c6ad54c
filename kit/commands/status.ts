// kit/commands/status.ts: `make status`, a table of every lab in the
// manifest: passed / failing / not started, the hint level reached, when it
// was last checked, and a progress bar.
//
// A lab's last result (.fdlab/results/) is shown with its age. It is
// rechecked, quietly, only when it may be wrong: when one of the lab's files
// (or its check) changed after that result, or when there is no result but
// the files differ from their starting state. `make status FRESH=1` rechecks
// every lab, which takes longer (lab 5's check waits out a timeout on purpose).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkFile, labFile, loadLabs, type Lab } from '../manifest.ts';
import { root } from '../paths.ts';
import { runCheck } from '../run-check.ts';
import { editedSinceStart } from '../starting-state.ts';
import { hintLevels, isPassing, labBeingWorkedOn, readResult, type CheckResult } from '../state.ts';
import { age, fit, paint, progressBar, type Paint } from '../terminal.ts';

type State = 'passed' | 'failing' | 'not started' | 'no check yet';

interface Row {
  lab: Lab;
  state: State;
  /** What the state means for this lab, e.g. "failing: 3 of 8 checks". */
  text: string;
  checked: string;
  hints: string;
}

/** The newest modification time of the lab's files and its check (0 if none exist). */
function lastEdited(lab: Lab): number {
  const files = [...lab.files.map((file) => join(root, labFile('labs', lab, file))), checkFile(lab)];
  let newest = 0;
  for (const file of files) {
    try {
      newest = Math.max(newest, statSync(file).mtimeMs);
    } catch {
      // a missing file is not an edit
    }
  }
  return newest;
}

/** Why the lab must be rechecked now, or undefined when its last result still stands. */
function reasonToRecheck(lab: Lab, result: CheckResult | undefined, fresh: boolean): string | undefined {
  if (!existsSync(checkFile(lab))) return undefined;
  if (fresh) return 'FRESH=1';
  if (result === undefined) return editedSinceStart(lab) ? 'edited, never checked' : undefined;
  return lastEdited(lab) > Date.parse(result.at) ? 'changed since its last check' : undefined;
}

function summarize(lab: Lab, result: CheckResult | undefined): Pick<Row, 'state' | 'text' | 'checked'> {
  if (!existsSync(checkFile(lab))) return { state: 'no check yet', text: 'no check yet', checked: '-' };
  if (result === undefined) return { state: 'not started', text: 'not started', checked: 'never' };
  const checked = age(result.at);
  if (isPassing(result)) return { state: 'passed', text: 'passed', checked };
  const why = result.failures[0]?.message ?? '';
  if (why === 'the labs tree does not compile') return { state: 'failing', text: 'failing: does not compile', checked };
  if (/^the check (crashed|process)/.test(why)) return { state: 'failing', text: 'failing: the check crashed', checked };
  return { state: 'failing', text: `failing: ${result.failed} of ${result.passed + result.failed} checks`, checked };
}

function colourOf(state: State, p: Paint): (text: string) => string {
  if (state === 'passed') return p.good;
  if (state === 'failing') return p.bad;
  return p.dim;
}

function table(rows: Row[], p: Paint): string {
  const titleWidth = Math.max(5, ...rows.map((row) => row.lab.title.length));
  const stateWidth = Math.max(5, ...rows.map((row) => row.text.length));
  // On a terminal, cut long titles so a row fits the window; a pipe gets them whole.
  const columns = process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined;
  const fixed = 2 + 5 + 2 + stateWidth + 2 + 5 + 2 + 12;
  const titleCols = columns === undefined ? titleWidth : Math.max(12, Math.min(titleWidth, columns - fixed));
  const line = (lab: string, title: string, state: string, hints: string, checked: string): string =>
    `  ${lab.padEnd(5)}${title}  ${state}  ${hints.padEnd(5)}  ${checked}`.trimEnd();
  const out = [p.dim(line('lab', fit('title', titleCols, p), 'state'.padEnd(stateWidth), 'hints', 'last checked'))];
  for (const row of rows) {
    const state = colourOf(row.state, p)(row.text.padEnd(stateWidth));
    out.push(line(String(row.lab.id), fit(row.lab.title, titleCols, p), state, row.hints, row.checked));
  }
  return out.join('\n');
}

export async function statusCommand(options: { fresh: boolean }): Promise<number> {
  const p = paint();
  const labs = loadLabs();
  const levels = hintLevels();
  const rows: Row[] = [];
  for (const lab of labs) {
    let result = readResult('labs', lab.id);
    const reason = reasonToRecheck(lab, result, options.fresh);
    if (reason !== undefined) {
      process.stdout.write(p.dim(`checking lab ${lab.id} (${reason})...\n`));
      result = await runCheck(lab, 'labs', { quiet: true });
    }
    const reached = levels[String(lab.id)] ?? 0;
    rows.push({ lab, ...summarize(lab, result), hints: lab.hints.length === 0 ? '-' : `${reached}/${lab.hints.length}` });
  }

  const passed = rows.filter((row) => row.state === 'passed').length;
  const out = [
    '',
    p.bold(`fdlab: ${passed} of ${labs.length} labs pass`),
    '',
    table(rows, p),
    '',
    `  ${progressBar(passed, labs.length, 30, p)} ${passed}/${labs.length}`,
    '',
  ];
  const next = labBeingWorkedOn(labs);
  if (next === undefined) {
    out.push(p.good('Every lab passes. Well done.') + ' See it all at work: make demo, then make trace.');
  } else {
    out.push(`Next: lab ${next.id}. Read labs/${next.folder}/README.md, then make lab-${next.id} (or make watch).`);
    if (next.hints.length > 0) out.push(`Stuck? make hint-${next.id}`);
  }
  out.push(p.dim('Results are rechecked when their lab changed; make status FRESH=1 rechecks every lab.'));
  process.stdout.write(`${out.join('\n')}\n`);
  return 0;
}
