// kit/check/testing-view.ts: a Mocha root-hook plugin that prepares a lab
// check started outside `make lab-N` the way kit/run-check.ts prepares one.
// VS Code's Testing view starts them: Mocha for VS Code runs Mocha in
// labs/, whose .mocharc.jsonc requires this file, with nothing of the
// kit's environment. So, as run-check does:
// - the tree under test is the learner's (FDLAB_CHECK_TREE=labs) unless the
//   environment names one, and FDLAB_TREE is dropped (a check chooses each
//   piece's tree itself);
// - the solutions addon is built before any check loads (a check opens it
//   as it loads);
// - when a C++ lab's check is in the run, the labs addon is built first if
//   it is out of date; if labs/ does not compile, the run fails at once
//   naming the labs and their files, under the compiler's own lines
//   (kit/build.ts prints them), instead of testing a stale addon.
//
// See: Mocha's "Root Hook Plugins" (mochajs.org/#root-hook-plugins).
import type { Context, RootHookObject, Suite } from 'mocha';
import { resolve } from 'node:path';
import { ensureBuilt } from '../build.ts';
import { checkFile, labFile, loadLabs, type Lab } from '../manifest.ts';

/** An error that prints as its message alone: a stack into the kit would only distract. */
function plainError(message: string): Error {
  const error = new Error(message);
  error.stack = message;
  return error;
}

delete process.env.FDLAB_TREE;
process.env.FDLAB_CHECK_TREE ??= 'labs';
const tree = process.env.FDLAB_CHECK_TREE;
if (tree !== 'labs' && tree !== 'solutions') {
  throw plainError(`FDLAB_CHECK_TREE=${tree}: must be labs or solutions`);
}

if (!ensureBuilt('solutions')) {
  throw plainError('the solutions addon does not build, so no check can run: see the errors above, or run `make doctor`');
}

/** Every file a suite's tests were loaded from, its own and its children's. */
function loadedFiles(suite: Suite, into = new Set<string>()): Set<string> {
  if (suite.file !== undefined) into.add(resolve(suite.file));
  for (const test of suite.tests) if (test.file !== undefined) into.add(resolve(test.file));
  for (const child of suite.suites) loadedFiles(child, into);
  return into;
}

/** The C++ labs whose checks are in this run. */
function nativeLabsIn(root: Suite): Lab[] {
  const files = loadedFiles(root);
  return loadLabs().filter((lab) => lab.native && files.has(checkFile(lab)));
}

export const mochaHooks: RootHookObject = {
  beforeAll: function buildTheLabsAddon(this: Context) {
    if (tree !== 'labs') return;
    const labs = nativeLabsIn(this.test!.parent!);
    if (labs.length === 0) return;
    this.timeout(0); // a first build of the labs addon takes as long as it takes
    if (ensureBuilt('labs')) return;
    const which = labs.map((lab) => `lab ${lab.id} (${lab.files.map((f) => labFile('labs', lab, f)).join(', ')})`);
    throw plainError(
      `labs/ does not compile, so ${which.join(', ')} cannot be checked: the compiler's errors are printed above.\n` +
        `Stuck? ${labs.map((lab) => `make hint-${lab.id}`).join(', ')}`,
    );
  },
};
