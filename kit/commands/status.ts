// kit/commands/status.ts: `make status`, a table of every lab in the
// manifest: its estimated time, passed / failing / not started / needs a
// recheck, the hint level reached, when it was last checked, and a
// progress bar.
//
// A lab's last result (.fdlab/results/) is shown with its age. It is
// rechecked, quietly, only when it may be wrong: when one of the lab's files
// (or its check) changed after that result, or when there is no result but
// the files differ from their starting state. When a lab it runs on changed
// (the manifest's dependsOn, kit/freshness.ts: lab 5 runs on 1-4), it is
// marked "needs recheck" rather than rechecked: that check is the slow one,
// and `make lab-N` reruns it when the learner is ready. `make status FRESH=1`
// rechecks every lab.
import { existsSync } from 'node:fs';
import { changedDependencies, changedSince } from '../freshness.ts';
import { checkFile, dependenciesOf, loadLabs, type Lab } from '../manifest.ts';
import { runCheck } from '../run-check.ts';
import { editedSinceStart } from '../starting-state.ts';
import { hintLevels, isPassing, labBeingWorkedOn, readResult, type CheckResult } from '../state.ts';
import { age, fit, paint, progressBar, type Paint } from '../terminal.ts';

type State = 'passed' | 'failing' | 'needs recheck' | 'not started' | 'no check yet';

interface Row {
  lab: Lab;
  state: State;
  /** What the state means for this lab, e.g. "failing: 3 of 8 checks". */
  text: string;
  checked: string;
  hints: string;
  /** The labs it runs on that changed after its last result (needs recheck). */
  changed?: Lab[];
}

/** Why the lab must be rechecked now, or undefined when its last result still stands. */
function reasonToRecheck(lab: Lab, result: CheckResult | undefined, fresh: boolean): string | undefined {
  if (!existsSync(checkFile(lab))) return undefined;
  if (fresh) return 'FRESH=1';
  if (result === undefined) return editedSinceStart(lab) ? 'edited, never checked' : undefined;
  return changedSince(lab, result.at) ? 'changed since its last check' : undefined;
}

/** "lab 3" or "labs 2, 3". */
function labList(labs: readonly Lab[]): string {
  return `lab${labs.length === 1 ? '' : 's'} ${labs.map((lab) => lab.id).join(', ')}`;
}

function summarize(lab: Lab, labs: readonly Lab[], result: CheckResult | undefined): Pick<Row, 'state' | 'text' | 'checked' | 'changed'> {
  if (!existsSync(checkFile(lab))) return { state: 'no check yet', text: 'no check yet', checked: '-' };
  if (result === undefined) return { state: 'not started', text: 'not started', checked: 'never' };
  const checked = age(result.at);
  const changed = changedDependencies(lab, labs, result.at);
  if (changed.length > 0) return { state: 'needs recheck', text: `needs recheck: ${labList(changed)} changed`, checked, changed };
  if (isPassing(result)) return { state: 'passed', text: 'passed', checked };
  const why = result.failures[0]?.message ?? '';
  if (why === 'the labs tree does not compile') return { state: 'failing', text: 'failing: does not compile', checked };
  if (/^the check (crashed|process)/.test(why)) return { state: 'failing', text: 'failing: the check crashed', checked };
  return { state: 'failing', text: `failing: ${result.failed} of ${result.passed + result.failed} checks`, checked };
}

function colourOf(state: State, p: Paint): (text: string) => string {
  if (state === 'passed') return p.good;
  if (state === 'failing') return p.bad;
  if (state === 'needs recheck') return p.warn;
  return p.dim;
}

/** "~20 min": an estimate, so in minutes only. */
export function duration(minutes: number): string {
  return `~${minutes} min`;
}

function table(rows: Row[], p: Paint): string {
  const titleWidth = Math.max(5, ...rows.map((row) => row.lab.title.length));
  const stateWidth = Math.max(5, ...rows.map((row) => row.text.length));
  const timeWidth = Math.max(4, ...rows.map((row) => duration(row.lab.minutes).length));
  // On a terminal, cut long titles so a row fits the window; a pipe gets them whole.
  const columns = process.stdout.isTTY && process.stdout.columns > 0 ? process.stdout.columns : undefined;
  const fixed = 2 + 5 + 2 + timeWidth + 2 + stateWidth + 2 + 5 + 2 + 12;
  const titleCols = columns === undefined ? titleWidth : Math.max(12, Math.min(titleWidth, columns - fixed));
  const line = (lab: string, title: string, time: string, state: string, hints: string, checked: string): string =>
    `  ${lab.padEnd(5)}${title}  ${time.padEnd(timeWidth)}  ${state}  ${hints.padEnd(5)}  ${checked}`.trimEnd();
  const out = [p.dim(line('lab', fit('title', titleCols, p), 'time', 'state'.padEnd(stateWidth), 'hints', 'last checked'))];
  for (const row of rows) {
    const state = colourOf(row.state, p)(row.text.padEnd(stateWidth));
    out.push(line(String(row.lab.id), fit(row.lab.title, titleCols, p), duration(row.lab.minutes), state, row.hints, row.checked));
  }
  return out.join('\n');
}

function rowOf(lab: Lab, labs: readonly Lab[], result: CheckResult | undefined, levels: Record<string, number>): Row {
  const reached = levels[String(lab.id)] ?? 0;
  return { lab, ...summarize(lab, labs, result), hints: lab.hints.length === 0 ? '-' : `${reached}/${lab.hints.length}` };
}

/** The table from the results as they are, rechecking nothing (`make watch`'s l key). */
export function statusTable(p: Paint = paint()): string {
  const labs = loadLabs();
  const levels = hintLevels();
  return table(labs.map((lab) => rowOf(lab, labs, readResult('labs', lab.id), levels)), p);
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
    rows.push(rowOf(lab, labs, result, levels));
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
  for (const row of rows) {
    if (row.changed === undefined) continue;
    const changed = `${labList(row.changed)} ${row.changed.length === 1 ? 'has' : 'have'} changed`;
    out.push(`Lab ${row.lab.id} runs on your code from ${labList(dependenciesOf(row.lab, labs))}; ${changed} since its last check: make lab-${row.lab.id} rechecks it.`);
  }
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
