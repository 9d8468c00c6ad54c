// kit/check/context.ts: what a lab check needs to know. A check lives in
// labs/NN-*/check.spec.ts and tests one tree, named by FDLAB_CHECK_TREE
// (`make lab-N`: labs, `make solution-N`: solutions). It tests that lab's
// code alone and takes every other piece from the reference (solutions), so
// a failure always points at the lab's own file.
import { AssertionError } from 'node:assert';
import type { Tree } from '../../native/binding.ts';
import { openFdlab, type Fdlab } from '../../native/index.ts';
import { findLab, labFile, type Lab } from '../manifest.ts';
import { root } from '../paths.ts';

export interface LabContext {
  lab: Lab;
  /** The tree under test. */
  tree: Tree;
  /** The API backed by the tree under test (its C++ labs). */
  mine: () => Fdlab;
  /** The API backed by the solutions: every piece that is not this lab's. */
  reference: Fdlab;
  /** A lab file's path as the learner sees it, e.g. labs/01-socketpair/socketpair.cc. */
  file(name?: string): string;
  /** Fails with a plain account of what the code did and what was expected. */
  fail(did: string, expected: string, file?: string): never;
  /** fail() unless `ok`. */
  require(ok: boolean, did: string, expected: string, file?: string): void;
}

export function checkTree(): Tree {
  const tree = process.env.FDLAB_CHECK_TREE ?? 'labs';
  if (tree !== 'labs' && tree !== 'solutions') throw new Error(`FDLAB_CHECK_TREE=${tree}: must be labs or solutions`);
  return tree;
}

export function labContext(id: number): LabContext {
  const lab = findLab(id);
  const tree = checkTree();
  const file = (name = lab.files[0]!): string => labFile(tree, lab, name);
  const fail = (did: string, expected: string, where = file()): never => {
    // Paths relative to the project, as the learner sees them (Mocha would
    // shorten its own copy of absolute ones and print the message twice).
    const relative = (text: string): string => text.replaceAll(root, '');
    const error = new AssertionError({ message: relative(`${did}\n  expected: ${expected}\n  in: ${where}`) });
    // The message says it all; a stack into the kit would only distract.
    error.stack = error.message;
    throw error;
  };
  return {
    lab,
    tree,
    // Opened on first use, so a TypeScript lab's check never loads the addon.
    mine: () => openFdlab(tree),
    reference: openFdlab('solutions'),
    file,
    fail,
    require(ok, did, expected, where) {
      if (!ok) fail(did, expected, where);
    },
  };
}
