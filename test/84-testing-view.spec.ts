// VS Code's Testing view, as Mocha for VS Code (coderline.mocha-vscode,
// recommended in .vscode/extensions.json) drives it. VS Code cannot run
// here, so this does what the extension does, step for step, from its
// source (CoderLine/mocha-vscode, src/):
// - constants.ts: it takes every **/.mocharc.{js,cjs,yaml,yml,json,jsonc}
//   in the workspace, and every package.json with a "mocha" key, except
//   under node_modules, as one set of tests (configurationFile.ts);
// - runtime/nodelike.ts: it reads each one by running
//   `node -e "import {loadOptions} from 'mocha/lib/cli/options.js'; ..."`
//   in that file's folder, and runs tests with
//   `node -e "import 'mocha/bin/mocha.js'" mocha.js <args>` there too;
// - runner.ts: the args are its own reporter, `--ignore '**/*.*'` to drop
//   the config's spec files, then `--file <path from the config's folder>`
//   for each file picked; the environment is VS Code's, none of the kit's.
// Its reporter is a superset of Mocha's json-stream, which stands in for it.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { loadLabs } from '../kit/manifest.ts';
import { root } from '../kit/paths.ts';
import { cleanEnv } from './fixtures/learner-copy.ts';
import { runInGroup } from './support/group-run.ts';
import { copyProject, type ProjectCopy } from './support/project-copy.ts';

const labs = loadLabs();
const CONFIG_NAME = /^\.mocharc\.(js|cjs|yaml|yml|json|jsonc)$/;
const LOAD_OPTIONS = `import {loadOptions} from 'mocha/lib/cli/options.js'; console.log(JSON.stringify(loadOptions()))`;
const START_MOCHA = `import 'mocha/bin/mocha.js'`;

/** The config files the extension would find in `dir`, relative to it. */
function discoveredConfigs(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(join(dir, at), { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== '.git') walk(path);
      else if (entry.isFile() && CONFIG_NAME.test(entry.name)) found.push(path);
      else if (entry.isFile() && entry.name === 'package.json' && 'mocha' in JSON.parse(readFileSync(join(dir, path), 'utf8'))) found.push(path);
    }
  };
  walk('.');
  return found.sort();
}

/** Mocha's options as the extension reads them: its own script, in the config's folder. */
function optionsSeenFrom(folder: string): { _: string[]; ignore?: string[] } {
  const run = spawnSync(process.execPath, ['-e', LOAD_OPTIONS], { cwd: folder, encoding: 'utf8', env: cleanEnv(), timeout: 60_000 });
  expect(run.status, `loading Mocha's options in ${folder}:\n${run.stderr}`).to.equal(0);
  return JSON.parse(run.stdout);
}

/** A config file as Mocha reads it (its own loader: JSON with comments, YAML or JS). */
function parseMocharc(path: string): { require?: string[] } {
  const { loadConfig } = createRequire(join(root, 'package.json'))('mocha/lib/cli/config.js') as { loadConfig(path: string): { require?: string | string[] } };
  const { require } = loadConfig(path);
  return { require: require === undefined ? undefined : [require].flat() };
}

/** The files a config's spec globs select, with Mocha's own lookup, from the config's folder. */
function specFiles(folder: string, globs: string[]): string[] {
  const lookupFiles = createRequire(join(root, 'package.json'))('mocha/lib/cli/lookup-files.js') as (
    pattern: string,
    extensions: string[],
    recursive: boolean,
  ) => string[];
  return globs.flatMap((glob) => lookupFiles(join(folder, glob), [], false)).map((file) => relative(root, file)).sort();
}

interface MochaEvent {
  kind: string;
  title?: string;
  fullTitle?: string;
  file?: string;
  err?: string;
}

interface ExtensionRun {
  code: number | null;
  events: MochaEvent[];
  output: string;
}

/**
 * Runs Mocha as the extension does for the files picked (paths from the
 * config's folder), in its own process group, killed whole if it hangs.
 */
async function runAsExtension(folder: string, files: string[], timeoutMs = 480_000): Promise<ExtensionRun> {
  const args = ['-e', START_MOCHA, 'mocha.js', '--reporter', 'json-stream', '--ignore', '**/*.*', ...files.flatMap((f) => ['--file', f])];
  const { code, output } = await runInGroup(process.execPath, args, { cwd: folder, env: cleanEnv(), timeoutMs });
  const events = output
    .split('\n')
    .filter((line) => line.startsWith('["'))
    .map((line) => {
      const [kind, body] = JSON.parse(line) as [string, Omit<MochaEvent, 'kind'>];
      return { kind, ...body };
    });
  return { code, events, output };
}

const ofKind = (run: ExtensionRun, kind: string): MochaEvent[] => run.events.filter((e) => e.kind === kind);

describe('VS Code\'s Testing view (Mocha for VS Code)', () => {
  describe('loading Mocha through the paths the extension imports', () => {
    it('has mocha/lib/cli/options.js with loadOptions, and mocha/bin/mocha.js, in node_modules', async () => {
      const options = 'mocha/lib/cli/options.js'; // as the extension names it, not as TypeScript resolves it
      const { loadOptions } = (await import(options)) as { loadOptions?: unknown };
      expect(loadOptions, 'Mocha 12 renamed lib/cli/options.js: keep Mocha 11 (see labs/.mocharc.jsonc)').to.be.a('function');
      expect(existsSync(createRequire(join(root, 'package.json')).resolve('mocha/bin/mocha.js'))).to.equal(true);
    });
  });

  describe('the config files it finds', () => {
    const configs = discoveredConfigs(root);

    it('finds two: the kit\'s suite (.mocharc.json) and the lab checks (labs/.mocharc.jsonc)', () => {
      expect(configs).to.deep.equal(['.mocharc.json', 'labs/.mocharc.jsonc']);
    });

    it('reads .mocharc.json as exactly the kit\'s suite, test/**/*.spec.ts', () => {
      const options = optionsSeenFrom(root);
      const suite = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
        .filter((name) => name.endsWith('.spec.ts'))
        .map((name) => join('test', name))
        .sort();
      expect(specFiles(root, options._)).to.deep.equal(suite);
    });

    it('is the suite make test runs too, two at a time: each of its files once, the ones parallel.mocharc.cjs names first', () => {
      const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { test: string } }).scripts.test;
      expect(script).to.equal('mocha --config test/support/parallel.mocharc.cjs --parallel --jobs 2');
      const config = join(root, 'test', 'support', 'parallel.mocharc.cjs');
      const { spec } = createRequire(config)(config) as { spec: string[] };
      expect([...spec].sort()).to.deep.equal(specFiles(root, optionsSeenFrom(root)._));
      const named = [...readFileSync(config, 'utf8').matchAll(/'(test\/[^']+\.spec\.ts)'/g)].map((match) => match[1]);
      expect(named).to.have.length.above(0);
      expect(spec.slice(0, named.length), 'the files the list names, first and in its order (a name no file has is stale)').to.deep.equal(named);
    });

    it('reads labs/.mocharc.jsonc as exactly every lab\'s check, prepared first, then hooked as make lab-N hooks them', () => {
      const folder = join(root, 'labs');
      const options = optionsSeenFrom(folder) as { _: string[]; require?: string[] };
      expect(specFiles(folder, options._)).to.deep.equal(labs.map((lab) => `labs/${lab.folder}/check.spec.ts`).sort());
      const required = (options.require ?? []).map((file) => relative(root, join(folder, file)));
      // make lab-N's config (run from the root) has no hook that builds: kit/run-check.ts builds.
      const makeLab = parseMocharc(join(root, 'kit', 'check.mocharc.json')).require ?? [];
      expect(required).to.deep.equal(['kit/check/testing-view.ts', ...makeLab.map((file) => relative(root, join(root, file)))]);
    });

    it('keeps every spec file under its config\'s folder, where the extension\'s --ignore \'**/*.*\' reaches it', () => {
      // minimatch's ** never matches a ../ segment: a spec outside the
      // folder would run on every click, whatever test was picked.
      for (const config of configs) {
        const folder = join(root, dirname(config));
        for (const file of specFiles(folder, optionsSeenFrom(folder)._)) {
          expect(relative(folder, join(root, file)), config).to.not.match(/^\.\.\//);
        }
      }
    });
  });

  describe('running the kit\'s suite from it', function () {
    this.timeout(120_000);

    it('runs only the file picked, under tsx', async () => {
      const run = await runAsExtension(root, ['test/10-socketpair.spec.ts']);
      expect(run.code, run.output).to.equal(0);
      const passed = ofKind(run, 'pass');
      expect(passed, run.output).to.not.be.empty;
      for (const test of [...passed, ...ofKind(run, 'fail')]) expect(test.file).to.equal(join(root, 'test', '10-socketpair.spec.ts'));
    });
  });

  describe('running lab 1\'s check from it, in a copy of the project whose labs addon is out of date', function () {
    this.timeout(1_500_000); // three runs, each bounded by runAsExtension
    let copy: ProjectCopy;
    let labsFolder: string;
    const labFile = 'labs/01-socketpair/socketpair.cc';
    const check = ['01-socketpair/check.spec.ts'];

    const addon = (): string => join(copy.dir, 'native/trees/labs/build/Release/fdlab_labs.node');

    before(() => {
      // The copy starts from this checkout's builds, and the learner's file
      // then changes: the labs addon is out of date, as it is after every
      // save. (A build from nothing is `make setup`'s, run by CI on a fresh
      // clone, and test/91's.)
      copy = copyProject({ seedBuilds: ['solutions', 'labs'] });
      labsFolder = join(copy.dir, 'labs');
      appendFileSync(join(copy.dir, labFile), '\n// saved again\n');
    });
    after(() => copy?.remove());

    it('rebuilds the labs addon, checks labs/, and fails naming labs/01-socketpair/socketpair.cc', async () => {
      const builtBefore = statSync(addon()).mtimeMs;
      const run = await runAsExtension(labsFolder, check);
      expect(run.code, run.output).to.not.equal(0);
      expect(statSync(addon()).mtimeMs, 'the labs addon, rebuilt').to.be.greaterThan(builtBefore);
      const failed = ofKind(run, 'fail');
      expect(failed, run.output).to.not.be.empty;
      expect(ofKind(run, 'pass')).to.be.empty;
      for (const test of failed) expect(test.file, test.fullTitle).to.equal(join(labsFolder, check[0]!));
      expect(failed.every((test) => `${test.fullTitle}\n${test.err}`.includes(labFile)), run.output).to.equal(true);
    });

    it('fails at once when labs/ does not compile, under the compiler\'s line, naming the lab\'s file and hint', async () => {
      const source = join(copy.dir, labFile);
      const untouched = readFileSync(source);
      appendFileSync(source, '\nthis is not C++;\n');
      try {
        const run = await runAsExtension(labsFolder, check);
        expect(run.code, run.output).to.not.equal(0);
        expect(run.output).to.match(/labs\/01-socketpair\/socketpair\.cc:\d+:\d+: error:/);
        const failed = ofKind(run, 'fail');
        // The extension shows a failed hook on the file that was run.
        expect(failed, run.output).to.have.length(1);
        expect(failed[0]!.title).to.match(/^"before all" hook\b.* in "\{root\}"$/);
        expect(failed[0]!.err).to.include(`lab 1 (${labFile}) cannot be checked`).and.include('make hint-1');
        expect(run.output, 'a message, not a crash').to.not.match(/^\s+at /m);
      } finally {
        writeFileSync(source, untouched);
      }
    });

    it('passes once the solution\'s socketpair.cc is copied over it (rebuilding the labs addon)', async () => {
      cpSync(join(root, 'solutions/01-socketpair/socketpair.cc'), join(copy.dir, labFile));
      const run = await runAsExtension(labsFolder, check);
      expect(run.code, run.output).to.equal(0);
      expect(ofKind(run, 'fail')).to.be.empty;
      expect(ofKind(run, 'pass'), run.output).to.not.be.empty;
    });
  });
});
