// The type check of a lab's TypeScript (kit/type-check.ts) and the answers
// it keeps: a kept answer stands only while every file the compiler read for
// it is unchanged, the files the lab imports included. Run in a throwaway
// copy of the project, whose node_modules (and so the kept answers) is this
// checkout's: each test gives the lab file a content of its own, so no
// answer from another run can stand in for the one under test.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../kit/paths.ts';
import type { Diagnostic } from '../kit/verdict.ts';
import { cleanEnv } from './fixtures/learner-copy.ts';
import { copyProject, type ProjectCopy } from './support/project-copy.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

const LAB_FILE = 'labs/02-spawn/spawn.ts';

/** Runs startTypeCheck in the copy (its root is the copy's): the diagnostics, and whether a type-check process was started. */
function typeCheck(copy: ProjectCopy): { diagnostics: Diagnostic[] | undefined; checked: boolean } {
  const script = `
    import { startTypeCheck } from './kit/type-check.ts';
    const check = startTypeCheck([${JSON.stringify(LAB_FILE)}]);
    console.log(JSON.stringify({ diagnostics: (await check.result) ?? null, checked: !check.kept }));`;
  const run = spawnSync(process.execPath, [...TS_LOADER, '--input-type=module', '-e', script], {
    cwd: copy.dir,
    encoding: 'utf8',
    env: cleanEnv(),
    timeout: 120_000,
  });
  expect(run.status, `${run.stdout}${run.stderr}`).to.equal(0);
  const answer = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] | null; checked: boolean };
  return { diagnostics: answer.diagnostics ?? undefined, checked: answer.checked };
}

describe('the type check of a lab\'s TypeScript (kit/type-check.ts), in a copy of the project', function () {
  this.timeout(300_000);
  let copy: ProjectCopy;
  const path = (file: string): string => join(copy.dir, file);

  before(() => {
    copy = copyProject();
    // The lab done, with a line no other run has: an answer of its own.
    const solution = readFileSync(join(root, 'solutions/02-spawn/spawn.ts'), 'utf8');
    writeFileSync(path(LAB_FILE), `${solution}\n// test/94 run ${randomUUID()}\n`);
  });
  after(() => copy?.remove());

  it('finds a type error with its file, line, column and TypeScript\'s words', () => {
    const correct = readFileSync(path(LAB_FILE), 'utf8');
    writeFileSync(path(LAB_FILE), `${correct}export const wrong: number = 'three';\n`);
    try {
      const { diagnostics } = typeCheck(copy);
      const line = correct.split('\n').length;
      expect(diagnostics).to.deep.equal([{ file: LAB_FILE, line, column: 14, message: "TS2322: Type 'string' is not assignable to type 'number'." }]);
    } finally {
      writeFileSync(path(LAB_FILE), correct);
    }
  });

  it('answers an unchanged lab from what it kept, without checking it again', () => {
    const first = typeCheck(copy);
    expect(first).to.deep.equal({ diagnostics: [], checked: true });
    expect(typeCheck(copy)).to.deep.equal({ diagnostics: [], checked: false });
  });

  it('checks again when a file the lab imports changes, and finds what that change broke', () => {
    expect(typeCheck(copy).diagnostics).to.deep.equal([]);
    const api = path('native/index.ts');
    const untouched = readFileSync(api, 'utf8');
    // closeFd, which the lab calls with a number, now wants a string.
    const changed = untouched.replace(/\bcloseFd\(fd: number\)/g, 'closeFd(fd: string)');
    expect(changed, 'native/index.ts declares closeFd(fd: number)').to.not.equal(untouched);
    writeFileSync(api, changed);
    try {
      const again = typeCheck(copy);
      expect(again.checked).to.equal(true);
      expect(again.diagnostics).to.have.length.greaterThan(0);
      for (const found of again.diagnostics!) {
        expect(found.file).to.equal(LAB_FILE);
        expect(found.message).to.match(/^TS2345: .*'number'.*'string'/);
      }
    } finally {
      writeFileSync(api, untouched);
    }
    // One answer is kept per lab content: the one for the changed API is
    // not the one for the API put back.
    expect(typeCheck(copy).diagnostics).to.deep.equal([]);
  });
});
