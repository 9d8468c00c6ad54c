// kit/manifest.ts: the one list of labs (labs/labs.json): id, folder, title,
// the files the learner edits, whether the lab is C++ (built into the labs
// addon), its estimated time, the labs whose code it runs on, and its hints
// from a nudge to a near-solution. The kit CLI and the kit-integrity test
// read only this.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from '../native/binding.ts';
import { root } from './paths.ts';

export interface Lab {
  id: number;
  folder: string;
  title: string;
  /** The files the learner edits, relative to the lab's folder. */
  files: string[];
  /** Whether the lab's code is C++ compiled into the tree's addon. */
  native: boolean;
  /** About how long a learner takes, in minutes: shown by `make status` and README's labs table. */
  minutes: number;
  /**
   * The labs whose code (in labs/) this lab's check runs on, e.g. lab 5's demo
   * on 01-04: a change to any of them means this lab's last result may no
   * longer hold. Every other lab's check takes what it does not test from solutions/.
   */
  dependsOn: number[];
  hints: string[];
}

export function loadLabs(): Lab[] {
  const manifest = JSON.parse(readFileSync(join(root, 'labs', 'labs.json'), 'utf8')) as { labs: Lab[] };
  return manifest.labs;
}

export function findLab(id: number): Lab {
  const labs = loadLabs();
  const lab = labs.find((l) => l.id === id);
  if (lab === undefined) {
    throw new Error(`there is no lab ${id}: the labs are ${labs.map((l) => l.id).join(', ')}`);
  }
  return lab;
}

/** The labs `lab` runs on (its dependsOn), in manifest order. */
export function dependenciesOf(lab: Lab, labs: readonly Lab[]): Lab[] {
  return labs.filter((other) => lab.dependsOn.includes(other.id));
}

/** A lab file's path from the project root, e.g. labs/01-socketpair/socketpair.cc. */
export function labFile(tree: Tree, lab: Lab, file: string): string {
  return `${tree}/${lab.folder}/${file}`;
}

/** The lab's check, which lives only in labs/ and tests either tree. */
export function checkFile(lab: Lab): string {
  return join(root, 'labs', lab.folder, 'check.spec.ts');
}
