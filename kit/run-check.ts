// kit/run-check.ts: runs one lab's Mocha check against one tree, building
// what it needs first (the solutions addon for the reference pieces, the
// labs addon when the lab is C++ and the tree is labs).
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Tree } from '../native/binding.ts';
import { ensureBuilt } from './build.ts';
import { checkFile, labFile, type Lab } from './manifest.ts';
import { root } from './paths.ts';
import { readResult, resultFile, writeResult, type CheckResult } from './state.ts';

const mocha = join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');

export interface RunOptions {
  /** Keep the check's output to ourselves (for `make status`). */
  quiet?: boolean;
}

function failedBeforeRunning(lab: Lab, tree: Tree, why: string): CheckResult {
  const result: CheckResult = {
    lab: lab.id,
    tree,
    passed: 0,
    failed: 1,
    skipped: 0,
    failures: [{ title: `lab ${lab.id} could not run`, message: why }],
    at: new Date().toISOString(),
  };
  writeResult(result);
  return result;
}

export async function runCheck(lab: Lab, tree: Tree, options: RunOptions = {}): Promise<CheckResult> {
  if (!ensureBuilt('solutions')) {
    throw new Error('the solutions addon does not build, so no check can run: see the errors above, or run `make doctor`');
  }
  if (tree === 'labs' && lab.native && !ensureBuilt('labs')) {
    const files = lab.files.map((f) => labFile(tree, lab, f)).join(', ');
    if (!options.quiet) process.stderr.write(`\nlab ${lab.id} cannot be checked until labs/ compiles (${files}).\nStuck? make hint-${lab.id}\n`);
    return failedBeforeRunning(lab, tree, 'the labs tree does not compile');
  }

  const result = resultFile(tree, lab.id);
  rmSync(result, { force: true });
  const child = spawn(process.execPath, [mocha, '--config', join(root, 'kit', 'check.mocharc.json'), checkFile(lab)], {
    cwd: root,
    stdio: options.quiet ? 'ignore' : 'inherit',
    // FDLAB_TREE is not passed on: a check chooses each piece's tree itself.
    env: { ...process.env, FDLAB_TREE: undefined, FDLAB_CHECK_TREE: tree, FDLAB_CHECK_LAB: String(lab.id), FDLAB_CHECK_RESULT: result },
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('exit', (c, s) => resolve([c, s])),
  );
  if (!existsSync(result)) {
    // The check process itself died: most often the lab's C++ crashed it
    // (a signal) or hung it until killed. Say so; nothing else will.
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    const files = lab.files.map((f) => labFile(tree, lab, f)).join(', ');
    const why = `the check process ${how} before it could report: ${signal === 'SIGSEGV' || signal === 'SIGABRT' ? `the code in ${files} crashed it (a bad pointer or a buffer overrun?)` : 'see its output above'}`;
    if (!options.quiet) process.stderr.write(`\nlab ${lab.id}: ${why}.\nStuck? make hint-${lab.id}\n`);
    return failedBeforeRunning(lab, tree, why);
  }
  return readResult(tree, lab.id)!;
}
