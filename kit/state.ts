// kit/state.ts: the learner's progress, kept outside their code in the
// git-ignored .fdlab/ folder: the last check results, hint levels reached,
// and backups made by `make reset-N`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Tree } from '../native/binding.ts';
import type { Lab } from './manifest.ts';
import { root } from './paths.ts';

export const stateDir = process.env.FDLAB_STATE_DIR ?? join(root, '.fdlab');

export interface CheckResult {
  lab: number;
  tree: Tree;
  passed: number;
  failed: number;
  skipped: number;
  failures: { title: string; message: string }[];
  /** ISO time the check finished. */
  at: string;
}

export function resultFile(tree: Tree, lab: number): string {
  return join(stateDir, 'results', `${tree}-lab-${lab}.json`);
}

export function readResult(tree: Tree, lab: number): CheckResult | undefined {
  try {
    return JSON.parse(readFileSync(resultFile(tree, lab), 'utf8')) as CheckResult;
  } catch {
    return undefined;
  }
}

/** A check passed when it ran something and nothing failed. */
export function isPassing(result: CheckResult | undefined): boolean {
  return result !== undefined && result.failed === 0 && result.passed > 0;
}

/** Forgets a lab's last result (after `make reset-N` it no longer applies). */
export function removeResult(tree: Tree, lab: number): void {
  rmSync(resultFile(tree, lab), { force: true });
}

/**
 * The lab being worked on: the lowest one whose last check against labs/
 * did not pass (never run counts as not passed), or undefined once every
 * lab passes. `make watch`, `make check` and `make status` agree on it.
 */
export function labBeingWorkedOn(labs: readonly Lab[]): Lab | undefined {
  return labs.find((lab) => !isPassing(readResult('labs', lab.id)));
}

/** Records a result the check could not record itself (its build failed). */
export function writeResult(result: CheckResult): void {
  const file = resultFile(result.tree, result.lab);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
}

const hintsFile = (): string => join(stateDir, 'hints.json');

/** The hint levels reached so far, by lab id (0: none read yet). */
export function hintLevels(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(hintsFile(), 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

export function saveHintLevel(lab: number, level: number): void {
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(hintsFile(), `${JSON.stringify({ ...hintLevels(), [lab]: level }, null, 2)}\n`);
}

/** Where `make reset-N` keeps what it replaced, one folder per reset. */
export const backupsDir = join(stateDir, 'backups');
