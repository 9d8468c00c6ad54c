// Kit integrity, like rustlings' dev check: every lab in the manifest is
// complete and two-sided. Its check fails against the untouched lab, naming
// the lab's file and its hint; copying the lab's solution files (and those
// of the labs it depends on) over a copy of the lab makes `make lab-N` pass.
// The two trees mirror each other, file for file and, outside the files the
// learner edits, byte for byte: so the passing run is also what
// `make solution-N` checks (CI's learner path runs those too). The edit
// points are marked.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { loadLabs, type Lab } from '../kit/manifest.ts';
import { root } from '../kit/paths.ts';
import { runInGroup, type GroupRun } from './support/group-run.ts';
import { copyProject, type ProjectCopy } from './support/project-copy.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

const labs = loadLabs();

function labFolders(tree: 'labs' | 'solutions'): string[] {
  return readdirSync(join(root, tree), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d\d-/.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

function filesIn(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

/** Files only labs/ has: the lesson and the check. */
const LAB_ONLY = ['README.md', 'check.spec.ts'];

/**
 * Runs the kit CLI in the copy. It runs in its own process group, so that a
 * check that hangs is killed with every process it started, not just the CLI.
 */
function kit(copy: ProjectCopy, args: string[], timeoutMs = 120_000): Promise<GroupRun> {
  return runInGroup(process.execPath, [...TS_LOADER, 'kit/cli.ts', ...args], {
    cwd: copy.dir,
    env: { ...process.env, FDLAB_TREE: undefined, FDLAB_CHECK_TREE: undefined, NO_COLOR: '1' },
    timeoutMs,
  });
}

function copySolutionOver(copy: ProjectCopy, lab: Lab): void {
  for (const file of lab.files) {
    cpSync(join(root, 'solutions', lab.folder, file), join(copy.dir, 'labs', lab.folder, file));
  }
}

/** The copy's untouched lab files, to put back after each solved run. */
function snapshotLabFiles(copy: ProjectCopy): Map<string, Buffer> {
  const snapshot = new Map<string, Buffer>();
  for (const lab of labs) {
    for (const file of lab.files) {
      const path = join(copy.dir, 'labs', lab.folder, file);
      snapshot.set(path, readFileSync(path));
    }
  }
  return snapshot;
}

describe('kit integrity', () => {
  describe('the manifest and the two trees', () => {
    it('lists exactly the lab folders that exist, in both trees, in order', () => {
      const listed = labs.map((lab) => lab.folder);
      expect(listed).to.deep.equal(labFolders('labs'));
      expect(listed).to.deep.equal(labFolders('solutions'));
      expect(labs.map((lab) => lab.id)).to.deep.equal(labs.map((_, i) => i + 1));
      for (const lab of labs) expect(lab.folder.startsWith(String(lab.id).padStart(2, '0'))).to.equal(true);
    });

    for (const lab of labs) {
      describe(`lab ${lab.id} (${lab.folder})`, () => {
        const labDir = join(root, 'labs', lab.folder);
        const solutionDir = join(root, 'solutions', lab.folder);

        it('mirrors solutions/ path for path (plus its lesson and check)', () => {
          const labFiles = filesIn(labDir).filter((f) => !LAB_ONLY.includes(f));
          expect(labFiles).to.deep.equal(filesIn(solutionDir));
          for (const file of LAB_ONLY) expect(existsSync(join(labDir, file)), `labs/${lab.folder}/${file}`).to.equal(true);
        });

        it('differs from solutions/ only in the files the learner edits', () => {
          for (const file of filesIn(solutionDir).filter((f) => !lab.files.includes(f))) {
            expect(readFileSync(join(labDir, file)).equals(readFileSync(join(solutionDir, file))), `labs/${lab.folder}/${file}`).to.equal(true);
          }
        });

        it(`marks every file the learner edits with TODO(lab ${lab.id})`, () => {
          expect(lab.files).to.not.be.empty;
          for (const file of lab.files) {
            expect(readFileSync(join(labDir, file), 'utf8'), `labs/${lab.folder}/${file}`).to.include(`TODO(lab ${lab.id})`);
          }
        });

        it('has no TODO(lab ...) left in its solution', () => {
          for (const file of filesIn(solutionDir)) {
            expect(readFileSync(join(solutionDir, file), 'utf8'), `solutions/${lab.folder}/${file}`).to.not.include('TODO(lab');
          }
        });

        it('has at least three hint levels and a lesson with a diagram', () => {
          expect(lab.hints.length).to.be.at.least(3);
          expect(readFileSync(join(labDir, 'README.md'), 'utf8')).to.match(/```mermaid\n/);
        });
      });
    }
  });

  describe('every check is two-sided (in a copy of the project)', function () {
    this.timeout(180_000);
    let copy: ProjectCopy;
    let untouched: Map<string, Buffer>;

    before(() => {
      copy = copyProject({ seedBuilds: ['solutions', 'labs'] });
      untouched = snapshotLabFiles(copy);
      const built = spawnSync(process.execPath, [...TS_LOADER, 'kit/build.ts', 'all'], {
        cwd: copy.dir,
        encoding: 'utf8',
      });
      expect(built.status, `${built.stdout}${built.stderr}`).to.equal(0);
    });
    after(() => copy?.remove());

    it('checks solutions/, built as its own tree, with make solution-N (lab 5: the whole solved stack)', async () => {
      const run = await kit(copy, ['solution', '5']);
      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.match(/\d+ passed, 0 failed/);
    });

    // All the untouched runs first, then the solved ones: the labs addon is
    // rebuilt only when a solved lab's C++ goes in or comes back out.
    describe('fails against each untouched lab, naming its file and its hint', () => {
      for (const lab of labs) {
        it(`lab ${lab.id}: make lab-${lab.id} names labs/${lab.folder}/ and make hint-${lab.id}`, async () => {
          const run = await kit(copy, ['lab', String(lab.id)]);
          expect(run.code, run.output).to.not.equal(0);
          expect(run.output).to.match(/[1-9]\d* failed/);
          const files = lab.files.map((file) => `labs/${lab.folder}/${file}`);
          expect(files.some((file) => run.output.includes(file)), `names one of ${files.join(', ')}`).to.equal(true);
          expect(run.output).to.include(`make hint-${lab.id}`);
        });
      }
    });

    describe('passes once the solution files of the lab and of the labs it depends on are copied over it', () => {
      for (const lab of labs) {
        it(`lab ${lab.id}: make lab-${lab.id}`, async () => {
          for (const done of labs.filter((l) => l.id === lab.id || lab.dependsOn.includes(l.id))) copySolutionOver(copy, done);
          try {
            const run = await kit(copy, ['lab', String(lab.id)]);
            expect(run.code, run.output).to.equal(0);
            expect(run.output).to.match(/\d+ passed, 0 failed/);
          } finally {
            for (const [path, content] of untouched) {
              if (!readFileSync(path).equals(content)) writeFileSync(path, content);
            }
          }
        });
      }
    });
  });
});
