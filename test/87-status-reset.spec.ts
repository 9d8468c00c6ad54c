// make status (kit/commands/status.ts) and make reset-N
// (kit/commands/reset.ts), in a built copy of the project that is a git
// repository of itself, as a learner's fresh clone is.
import { expect } from 'chai';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labFile, loadLabs } from '../kit/manifest.ts';
import type { CheckResult } from '../kit/state.ts';
import type { ProjectCopy } from './support/project-copy.ts';
import { commitAll, learnerCopy, runKit } from './fixtures/learner-copy.ts';

const labs = loadLabs();
const lab1 = labs[0]!;
const lab1File = labFile('labs', lab1, lab1.files[0]!);

describe('the learner\'s progress (in a copy of the project)', function () {
  this.timeout(240_000);
  let copy: ProjectCopy;
  let stub: Buffer;
  before(() => {
    copy = learnerCopy({ git: true });
    stub = readFileSync(join(copy.dir, lab1File));
  });
  after(() => copy?.remove());

  const resultPath = (id: number): string => join(copy.dir, '.fdlab', 'results', `labs-lab-${id}.json`);
  function writeResult(id: number, passed: boolean, at: Date): void {
    const result: CheckResult = {
      lab: id,
      tree: 'labs',
      verdict: passed ? { kind: 'passed' } : { kind: 'failed' },
      passed: passed ? 8 : 0,
      failed: passed ? 0 : 8,
      skipped: 0,
      failures: passed ? [] : [{ title: 'x', message: 'y' }],
      at: at.toISOString(),
    };
    mkdirSync(join(copy.dir, '.fdlab', 'results'), { recursive: true });
    writeFileSync(resultPath(id), JSON.stringify(result));
  }
  const setMtime = (path: string, at: Date): void => utimesSync(join(copy.dir, path), at, at);
  const hoursAgo = (hours: number): Date => new Date(Date.now() - hours * 3600_000);
  const row = (output: string, id: number): string => output.split('\n').find((line) => line.startsWith(`  ${id} `)) ?? '';
  const status = () => runKit(copy.dir, ['status']);
  /** Puts the copy back as cloned: lab 1's stub, no results, no hints read. */
  function startOver(): void {
    writeFileSync(join(copy.dir, lab1File), stub);
    rmSync(join(copy.dir, '.fdlab'), { recursive: true, force: true });
  }
  beforeEach(startOver);

  describe('make status', () => {
    it('lists every lab in the manifest, with its title, state and hint level, and a progress bar', () => {
      const run = status();
      expect(run.code, run.output).to.equal(0);
      for (const lab of labs) {
        expect(row(run.stdout, lab.id), `lab ${lab.id}'s row`).to.include(lab.title).and.match(/not started|no check yet/);
      }
      expect(run.stdout).to.include(`0 of ${labs.length} labs pass`);
      expect(run.stdout).to.match(new RegExp(`\\[\\.+\\] 0/${labs.length}`));
      expect(row(run.stdout, 1)).to.include(`0/${lab1.hints.length}`);
      expect(run.stdout).to.include('Next: lab 1. Read labs/01-socketpair/README.md');
      expect(run.stdout).to.not.include('checking lab');
    });

    it('shows the last result with its age, without rechecking a lab whose files did not change', () => {
      setMtime(lab1File, hoursAgo(3));
      setMtime(`labs/${lab1.folder}/check.spec.ts`, hoursAgo(3));
      writeResult(1, true, hoursAgo(2));
      const run = status();
      expect(row(run.stdout, 1)).to.include('passed').and.include('2 h ago');
      expect(run.stdout).to.include(`1 of ${labs.length} labs pass`);
      expect(run.stdout).to.not.include('checking lab 1');
      expect(run.stdout).to.include('Next: lab 2');
    });

    it('rechecks, quietly, a lab whose file changed after its last result', () => {
      writeResult(1, true, hoursAgo(2));
      setMtime(lab1File, hoursAgo(1));
      const run = status();
      expect(run.stdout).to.include('checking lab 1 (changed since its last check)');
      // The untouched stub fails its check: the old "passed" no longer stands.
      expect(row(run.stdout, 1)).to.match(/failing: \d+ of \d+ checks/).and.include('just now');
      expect(run.output, 'the check\'s own report stays quiet').to.not.include('checks failed. Edit:');
      const saved = JSON.parse(readFileSync(resultPath(1), 'utf8')) as CheckResult;
      expect(saved.failed).to.be.greaterThan(0);
    });

    it('rechecks a lab that was edited but never checked', () => {
      appendFileSync(join(copy.dir, lab1File), '// a first try\n');
      const run = status();
      expect(run.stdout).to.include('checking lab 1 (edited, never checked)');
      expect(row(run.stdout, 1)).to.include('failing');
    });

    it('shows the hint level reached', () => {
      runKit(copy.dir, ['hint', '1']);
      runKit(copy.dir, ['hint', '1']);
      expect(row(status().stdout, 1)).to.include(`2/${lab1.hints.length}`);
    });
  });

  describe('make reset-N', () => {
    it('restores an edited file to its starting state and keeps a backup of what it replaced', () => {
      const edited = `${stub}// my half-done work\n`;
      writeFileSync(join(copy.dir, lab1File), edited);
      const run = runKit(copy.dir, ['reset', '1']);
      expect(run.code, run.output).to.equal(0);
      expect(readFileSync(join(copy.dir, lab1File)).equals(stub), 'the file is the stub again').to.equal(true);

      const backup = /Your version is saved in (\S+)\/\./.exec(run.output)?.[1];
      expect(backup, run.output).to.be.a('string');
      expect(backup!.startsWith('.fdlab/backups/lab-1-')).to.equal(true);
      expect(readFileSync(join(copy.dir, backup!, lab1File), 'utf8')).to.equal(edited);
      expect(run.output).to.include(`cp ${backup}/${lab1File} ${lab1File}`);
    });

    it('forgets the lab\'s last result, which was about other code', () => {
      writeResult(1, true, new Date());
      appendFileSync(join(copy.dir, lab1File), '// done\n');
      runKit(copy.dir, ['reset', '1']);
      expect(existsSync(resultPath(1))).to.equal(false);
      expect(row(status().stdout, 1)).to.include('not started');
    });

    it('touches only the lab\'s own files', () => {
      const others = labs
        .filter((lab) => lab.id !== 1)
        .flatMap((lab) => lab.files.map((file) => join(copy.dir, labFile('labs', lab, file))))
        .filter((path) => existsSync(path));
      const cloned = others.map((path) => readFileSync(path));
      try {
        for (const path of others) appendFileSync(path, '\n// mine\n');
        appendFileSync(join(copy.dir, lab1File), '// mine\n');
        const edited = others.map((path) => readFileSync(path, 'utf8'));
        runKit(copy.dir, ['reset', '1']);
        expect(others.map((path) => readFileSync(path, 'utf8'))).to.deep.equal(edited);
      } finally {
        others.forEach((path, i) => writeFileSync(path, cloned[i]!));
      }
    });

    it('says there is nothing to reset when the files are untouched, and makes no backup', () => {
      const run = runKit(copy.dir, ['reset', '1']);
      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include('already as they started');
      expect(run.output).to.not.include('saved in');
    });

    it('brings back the kit\'s stub even after the learner committed their own version', () => {
      writeFileSync(join(copy.dir, lab1File), readFileSync(join(copy.dir, 'solutions', lab1.folder, lab1.files[0]!)));
      commitAll(copy, 'my lab 1');
      const run = runKit(copy.dir, ['reset', '1']);
      expect(run.code, run.output).to.equal(0);
      expect(readFileSync(join(copy.dir, lab1File)).equals(stub)).to.equal(true);
    });

    it('changes nothing and says why when there is no git history to restore from', () => {
      appendFileSync(join(copy.dir, lab1File), '// mine\n');
      const edited = readFileSync(join(copy.dir, lab1File));
      const run = runKit(copy.dir, ['reset', '1'], { GIT_DIR: join(copy.dir, 'no-such-repository') });
      expect(run.code).to.equal(1);
      expect(run.output).to.include('cannot reset lab 1').and.include('Nothing was changed');
      expect(readFileSync(join(copy.dir, lab1File)).equals(edited)).to.equal(true);
    });
  });
});
