// kit/state.ts: the learner's progress, kept outside their code in the
// git-ignored .fdlab/ folder: the last check results, hint levels reached,
// and backups made by `make reset-N`. Every file is checked for the shape
// the kit writes as it is read; one that is not is set aside with a note
// (kit/state-files.ts), never a TypeError.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from '../native/binding.ts';
import { changedDependencies } from './freshness.ts';
import type { Lab } from './manifest.ts';
import { root } from './paths.ts';
import { isCount, isRecord, readStateFile, writeStateFile } from './state-files.ts';
import { isVerdict, verdictFromCounts, type Verdict } from './verdict.ts';

export const stateDir = process.env.FDLAB_STATE_DIR ?? join(root, '.fdlab');

/**
 * A check's result, written by the kit alone (kit/run-check.ts) once the
 * check process and everything it started are gone. The verdict says what
 * happened; the counts and failures are the tests that reported before it.
 */
export interface CheckResult {
  lab: number;
  tree: Tree;
  verdict: Verdict;
  passed: number;
  failed: number;
  skipped: number;
  failures: { title: string; message: string }[];
  /** ISO time the check finished. */
  at: string;
}

/** A result as stored: one written before verdicts existed has none (its counts stand for it). */
type StoredResult = Omit<CheckResult, 'verdict'> & { verdict?: Verdict };

export function resultFile(tree: Tree, lab: number): string {
  return join(stateDir, 'results', `${tree}-lab-${lab}.json`);
}

/**
 * True when `value` has every field of a CheckResult, each of its type.
 * Fields the kit may add later are allowed: a newer kit's result still reads.
 */
export function isCheckResult(value: unknown): value is StoredResult {
  if (!isRecord(value)) return false;
  const { lab, tree, verdict, passed, failed, skipped, failures, at } = value;
  return (
    Number.isInteger(lab) &&
    (verdict === undefined || isVerdict(verdict)) &&
    (tree === 'labs' || tree === 'solutions') &&
    isCount(passed) &&
    isCount(failed) &&
    isCount(skipped) &&
    Array.isArray(failures) &&
    failures.every((failure) => isRecord(failure) && typeof failure.title === 'string' && typeof failure.message === 'string') &&
    typeof at === 'string' &&
    !Number.isNaN(Date.parse(at))
  );
}

/** The lab's last result against `tree`; undefined when there is none (or none the kit can use). */
export function readResult(tree: Tree, lab: number): CheckResult | undefined {
  const stored = readStateFile(resultFile(tree, lab), (value): value is StoredResult => isCheckResult(value) && value.tree === tree && value.lab === lab);
  return stored === undefined ? undefined : { ...stored, verdict: stored.verdict ?? verdictFromCounts(stored.passed, stored.failed) };
}

/** A check passed when the kit's verdict says so (it ran something, nothing failed, nothing crashed or hung). */
export function isPassing(result: CheckResult | undefined): boolean {
  return result !== undefined && result.verdict.kind === 'passed';
}

/** Forgets a lab's last result (after `make reset-N` it no longer applies). */
export function removeResult(tree: Tree, lab: number): void {
  rmSync(resultFile(tree, lab), { force: true });
}

/**
 * The lab being worked on: the lowest one whose last check against labs/
 * did not pass (never run counts as not passed, and so does a pass from
 * before a lab it runs on changed), or undefined once every lab passes.
 * `make watch`, `make check` and `make status` agree on it.
 */
export function labBeingWorkedOn(labs: readonly Lab[]): Lab | undefined {
  return labs.find((lab) => {
    const result = readResult('labs', lab.id);
    return !isPassing(result) || changedDependencies(lab, labs, result!.at).length > 0;
  });
}

/** Records a check's result: the kit is its only writer (a whole file replaced at once, never half-written). */
export function writeResult(result: CheckResult): void {
  writeStateFile(resultFile(result.tree, result.lab), result);
}

const hintsFile = (): string => join(stateDir, 'hints.json');

/** hints.json as the kit writes it: { "<lab id>": <level reached> }. */
export function isHintLevels(value: unknown): value is Record<string, number> {
  return isRecord(value) && Object.entries(value).every(([lab, level]) => /^[1-9]\d*$/.test(lab) && isCount(level));
}

/** The hint levels reached so far, by lab id (0: none read yet). */
export function hintLevels(): Record<string, number> {
  return readStateFile(hintsFile(), isHintLevels) ?? {};
}

export function saveHintLevel(lab: number, level: number): void {
  writeStateFile(hintsFile(), { ...hintLevels(), [lab]: level });
}

/** Where `make reset-N` keeps what it replaced, one folder per reset. */
export const backupsDir = join(stateDir, 'backups');
