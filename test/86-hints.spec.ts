// make hint-N (kit/commands/hint.ts): the next hint level on each call,
// remembered in the learner's state folder; LEVEL=k re-reads one. And the
// Makefile's learner targets, each calling the kit CLI as documented.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { findLab } from '../kit/manifest.ts';
import { root } from '../kit/paths.ts';
import { copyProject, type ProjectCopy } from './support/project-copy.ts';
import { cleanEnv, runKit } from './fixtures/learner-copy.ts';

const lab1 = findLab(1);
const count = lab1.hints.length;

describe('make hint-N', () => {
  let state: string;
  beforeEach(() => (state = mkdtempSync(join(tmpdir(), 'fdlab-state-'))));
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  const hint = (...args: string[]) => runKit(root, ['hint', ...args], { FDLAB_STATE_DIR: state });
  const reached = (): Record<string, number> => JSON.parse(readFileSync(join(state, 'hints.json'), 'utf8'));

  it('shows a different, deeper level on each call: 1, then 2', () => {
    const first = hint('1');
    const second = hint('1');
    expect(first.code, first.output).to.equal(0);
    expect(second.code, second.output).to.equal(0);
    expect(first.output).to.include(`hint 1 of ${count}`).and.include(lab1.hints[0]!);
    expect(second.output).to.include(`hint 2 of ${count}`).and.include(lab1.hints[1]!);
    expect(first.output).to.include('make hint-1` again shows hint 2');
  });

  it('remembers the level reached, per lab, in the state folder', () => {
    hint('1');
    hint('1');
    expect(reached()).to.deep.equal({ 1: 2 });
  });

  it('stops at the last level and says it was the last', () => {
    for (let i = 0; i < count; i++) hint('1');
    const again = hint('1');
    expect(again.output).to.include(`hint ${count} of ${count}`).and.include('That was the last hint');
    expect(reached()).to.deep.equal({ 1: count });
  });

  it('re-reads level k with LEVEL=k without losing the level reached', () => {
    hint('1');
    hint('1');
    const reread = hint('1', '1');
    expect(reread.output).to.include(`hint 1 of ${count}`).and.include(lab1.hints[0]!);
    expect(reread.output, 'the next hint is the one after the highest read').to.include('`make hint-1` shows hint 3 next');
    expect(reached()).to.deep.equal({ 1: 2 });
    expect(hint('1').output).to.include(`hint 3 of ${count}`);
  });

  it('refuses a LEVEL that is not one of the lab\'s levels, naming the range', () => {
    const run = hint('1', String(count + 1));
    expect(run.code).to.equal(2);
    expect(run.output).to.include(`hint levels 1 to ${count}`);
    expect(existsSync(join(state, 'hints.json'))).to.equal(false);
  });

  it('refuses a lab that does not exist, listing the labs', () => {
    const run = hint('99');
    expect(run.code).to.equal(1);
    expect(run.output).to.include('there is no lab 99');
  });

  describe('in a copy of the project, with the default state folder', () => {
    let copy: ProjectCopy;
    before(() => (copy = copyProject()));
    after(() => copy?.remove());

    const snapshot = (dir: string): Map<string, string> =>
      new Map(
        readdirSync(dir, { recursive: true, withFileTypes: true })
          .filter((entry) => entry.isFile())
          .map((entry) => {
            const path = join(entry.parentPath, entry.name);
            return [relative(dir, path), readFileSync(path, 'utf8')];
          }),
      );

    it('keeps hint levels in the git-ignored .fdlab/, never in the learner\'s files', () => {
      const before = snapshot(join(copy.dir, 'labs'));
      const run = runKit(copy.dir, ['hint', '1']);
      expect(run.code, run.output).to.equal(0);
      expect(snapshot(join(copy.dir, 'labs'))).to.deep.equal(before);
      expect(JSON.parse(readFileSync(join(copy.dir, '.fdlab', 'hints.json'), 'utf8'))).to.deep.equal({ 1: 1 });
      expect(readFileSync(join(copy.dir, '.gitignore'), 'utf8').split('\n')).to.include('.fdlab/');
    });
  });
});

describe('the Makefile\'s learner targets', () => {
  // `make -n` prints the commands without running them; -o keeps make from
  // reinstalling node_modules when its stamp looks old.
  function planned(...args: string[]): string {
    const run = spawnSync('make', ['-n', '-o', 'node_modules/.package-lock.json', ...args], {
      cwd: root,
      encoding: 'utf8',
      env: cleanEnv(),
    });
    expect(run.status, run.stderr).to.equal(0);
    return run.stdout.trim();
  }
  const kit = 'node --import tsx/esm kit/cli.ts';

  it('make hint-N [LEVEL=k] calls the kit\'s hint command', () => {
    expect(planned('hint-1')).to.equal(`${kit} hint 1`);
    expect(planned('hint-1', 'LEVEL=2')).to.equal(`${kit} hint 1 2`);
  });

  it('make status [FRESH=1] calls status, rechecking every lab only with FRESH', () => {
    expect(planned('status')).to.equal(`${kit} status`);
    expect(planned('status', 'FRESH=1')).to.equal(`${kit} status --fresh`);
  });

  it('make watch, make check [LAB=N] work on the current lab or the one picked', () => {
    expect(planned('watch')).to.equal(`${kit} watch`);
    expect(planned('watch', 'LAB=3')).to.equal(`${kit} watch 3`);
    expect(planned('check')).to.equal(`${kit} check`);
    expect(planned('check', 'LAB=2')).to.equal(`${kit} check 2`);
  });

  it('make reset-N and make doctor call reset and doctor', () => {
    expect(planned('reset-4')).to.equal(`${kit} reset 4`);
    expect(planned('doctor')).to.equal(`${kit} doctor`);
  });

  it('builds, right after npm ci, without taking a source file for a lab target (lab-% and native/lab-functions.json)', () => {
    // -W: as if npm ci had just run, so every file that depends on it is remade.
    const run = spawnSync('make', ['-n', '-W', 'node_modules/.package-lock.json', 'build'], { cwd: root, encoding: 'utf8', env: cleanEnv() });
    expect(run.status, run.stderr).to.equal(0);
    expect(run.stdout).to.include('build:solutions');
    expect(run.stdout).to.not.include('kit/cli.ts');
  });

  it('lists every learner target in make help', () => {
    const help = spawnSync('make', ['--no-print-directory', 'help'], { cwd: root, encoding: 'utf8', env: cleanEnv() }).stdout;
    for (const target of ['lab-N', 'hint-N', 'check', 'status', 'watch', 'reset-N', 'doctor', 'setup']) {
      expect(help).to.match(new RegExp(`^${target}\\s`, 'm'));
    }
  });
});
