// The learner's environment: make doctor (kit/commands/doctor.ts), the dev
// container (.devcontainer/) checked against the dev container spec's base
// schema (vendored in test/fixtures/devcontainer-schema/), and the VS Code
// tasks and launch configurations (.vscode/), including a gdb run of the
// C++ debug configuration.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { nodeVersionSupported } from '../kit/commands/doctor.ts';
import { loadLabs } from '../kit/manifest.ts';
import { root } from '../kit/paths.ts';
import type { ProjectCopy } from './support/project-copy.ts';
import { buildCopy, cleanEnv, learnerCopy, runKit } from './fixtures/learner-copy.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

const labs = loadLabs();

/**
 * JSON with comments, read as VS Code reads it (jsonc-parser is its parser).
 * Trailing commas are an error, as the dev container schema says
 * (allowTrailingCommas: false); so is anything else the parser had to skip.
 */
function parseJsonc(text: string): unknown {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: false, disallowComments: false });
  if (errors.length > 0) {
    throw new SyntaxError(errors.map((e) => `${printParseErrorCode(e.error)} at offset ${e.offset}`).join(', '));
  }
  return value;
}

// The parsed files are checked field by field below, so any is honest here.
type Json = Record<string, any>;
const readJsonc = (path: string): Json => parseJsonc(readFileSync(join(root, path), 'utf8')) as Json;

describe('the learner\'s environment', () => {
  // One built copy of the project serves the doctor's and gdb's runs.
  let copy: ProjectCopy | undefined;
  const builtCopy = (): ProjectCopy => (copy ??= learnerCopy({ git: false }));
  after(() => copy?.remove());

  describe('JSON with comments', () => {
    it('drops line and block comments but keeps // inside strings', () => {
      const text = '{\n  // a comment\n  "url": "https://x/y", /* block\n over lines */ "n": 1\n}';
      expect(parseJsonc(text)).to.deep.equal({ url: 'https://x/y', n: 1 });
    });


    it('rejects trailing commas', () => {
      expect(() => parseJsonc('{"a": [1, 2,]}')).to.throw(SyntaxError);
    });
  });

  describe('make doctor', () => {
    it('accepts exactly the Node versions package.json allows', () => {
      const engines = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node;
      expect(engines, 'update nodeVersionSupported with the engines field').to.equal('^20.19.0 || >=22.12.0');
      for (const ok of ['v20.19.0', 'v20.20.2', 'v22.12.0', 'v23.1.0', 'v24.0.0', '26.1.0']) expect(nodeVersionSupported(ok), ok).to.equal(true);
      for (const old of ['v18.20.0', 'v20.18.3', 'v21.7.3', 'v22.11.0']) expect(nodeVersionSupported(old), old).to.equal(false);
    });

    describe('in a copy of the project', function () {
      this.timeout(300_000);
      const shadows: string[] = [];
      after(() => {
        for (const dir of shadows) rmSync(dir, { recursive: true, force: true });
      });

      /** A PATH with every program of this one except `hidden`: a machine without them. */
      function pathWithout(hidden: string[]): string {
        const dir = mkdtempSync(join(tmpdir(), 'fdlab-path-'));
        shadows.push(dir);
        const seen = new Set(hidden);
        for (const bin of (process.env.PATH ?? '').split(delimiter)) {
          let names: string[];
          try {
            names = readdirSync(bin);
          } catch {
            continue;
          }
          for (const name of names) {
            if (seen.has(name)) continue;
            seen.add(name);
            symlinkSync(join(bin, name), join(dir, name));
          }
        }
        return dir;
      }

      it('is green here: every check ok, or a warning at most, and exit code 0', () => {
        const run = runKit(builtCopy().dir, ['doctor']);
        expect(run.code, run.output).to.equal(0);
        expect(run.output).to.include('All good');
        expect(run.output).to.not.match(/^\s+problem\s/m);
        for (const what of ['Node.js', 'g++', 'make', 'python3', 'node-gyp', 'solutions addon', 'labs addon', 'strace', 'ptrace', 'max_user_watches']) {
          expect(run.output, what).to.match(new RegExp(`^\\s+(ok|warning)\\s+.*${what.replace(/[+]/g, '\\+')}`, 'm'));
        }
      });

      it('prints the exact fix for a missing compiler and exits 1, since the labs cannot build', () => {
        const run = runKit(builtCopy().dir, ['doctor'], { PATH: pathWithout(['g++', 'strace']) });
        expect(run.code, run.output).to.equal(1);
        expect(run.output).to.match(/problem\s+g\+\+ is not installed/);
        expect(run.output).to.include('fix: sudo apt-get update && sudo apt-get install -y build-essential');
        expect(run.output).to.match(/skipped\s+the native builds/);
        expect(run.output).to.match(/1 problem stop/);
      });

      it('warns, with the fix, when ptrace is not permitted (a container without SYS_PTRACE)', () => {
        const path = pathWithout(['strace']);
        // strace as Docker's default profile leaves it: it runs, but cannot trace.
        const fake = '#!/bin/sh\n[ "$1" = -V ] && { echo "strace -- version 6.1"; exit 0; }\n' +
          'echo "strace: test_ptrace_get_syscall_info: PTRACE_TRACEME: Operation not permitted" >&2; exit 1\n';
        writeFileSync(join(path, 'strace'), fake, { mode: 0o755 });
        const run = runKit(builtCopy().dir, ['doctor'], { PATH: path });
        expect(run.code, run.output).to.equal(0);
        expect(run.output).to.match(/warning\s+ptrace is not permitted here, so make trace cannot run \(strace says: .*Operation not permitted\)/);
        expect(run.output).to.include('capAdd SYS_PTRACE').and.include('--cap-add=SYS_PTRACE --security-opt seccomp=unconfined');
      });

      it('only warns, with the fix, when strace and gdb are missing: the labs still work', () => {
        const run = runKit(builtCopy().dir, ['doctor'], { PATH: pathWithout(['strace', 'gdb']) });
        expect(run.code, run.output).to.equal(0);
        expect(run.output).to.match(/warning\s+strace is not installed/);
        expect(run.output).to.include('fix: sudo apt-get update && sudo apt-get install -y strace');
        expect(run.output).to.match(/warning\s+gdb is not installed/);
        expect(run.output).to.include('fix: sudo apt-get update && sudo apt-get install -y gdb');
        expect(run.output).to.match(/All good.*warnings/);
      });
    });
  });

  describe('the dev container (.devcontainer/)', () => {
    const config = readJsonc('.devcontainer/devcontainer.json');
    const dockerfile = readFileSync(join(root, '.devcontainer', config.build?.dockerfile ?? 'Dockerfile'), 'utf8');

    const schemaDir = join(root, 'test', 'fixtures', 'devcontainer-schema');

    it('vendors the spec\'s base schema with its licence', () => {
      expect(readFileSync(join(schemaDir, 'LICENSE-devcontainers-spec.txt'), 'utf8')).to.include('MIT License');
      expect(JSON.parse(readFileSync(join(schemaDir, 'devContainer.base.schema.json'), 'utf8')).$schema).to.include('2019-09');
    });

    describe('against the dev container spec\'s base schema', () => {
      // JSON Schema 2019-09, which this schema is. VS Code's own keywords
      // (markdownDescription, deprecationMessage, defaultSnippets...) are not
      // JSON Schema: strict off lets Ajv ignore them.
      const ajv = new Ajv2019({ allErrors: true, strict: false });
      ajv.addFormat('uri', (s: string) => URL.canParse(s));
      const validate = ajv.compile(JSON.parse(readFileSync(join(schemaDir, 'devContainer.base.schema.json'), 'utf8')));

      it('validates devcontainer.json', () => {
        const ok = validate(config);
        expect(ok, JSON.stringify(validate.errors, null, 2)).to.equal(true);
      });

      it('rejects what the spec forbids (the validator is really checking)', () => {
        expect(validate({ ...config, capAdd: 'SYS_PTRACE' })).to.equal(false);
        expect(validate({ ...config, notAField: true })).to.equal(false);
        expect(validate({ ...config, hostRequirements: { memory: '4 GB' } })).to.equal(false);
      });
    });

    it('builds from a Dockerfile on a Node LTS image (24 or 22) on Debian bookworm', () => {
      expect(dockerfile).to.match(/^FROM node:(24|22)(\.\d+)*-bookworm(@sha256:[0-9a-f]+)?\s*$/m);
    });

    it('installs build-essential, python3, strace and gdb', () => {
      // One logical line: the continuation backslashes joined.
      const install = /apt-get install.*/.exec(dockerfile.replace(/\\\n/g, ' '))?.[0] ?? '';
      for (const pkg of ['build-essential', 'python3', 'strace', 'gdb']) expect(install, pkg).to.match(new RegExp(`\\b${pkg}\\b`));
    });

    it('runs as the image\'s non-root user', () => {
      const users = [...dockerfile.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
      expect(users.at(-1)).to.equal('node');
      expect(config.remoteUser).to.equal('node');
    });

    it('lets strace and gdb use ptrace: capAdd SYS_PTRACE, seccomp unconfined', () => {
      expect(config.capAdd).to.include('SYS_PTRACE');
      expect(config.securityOpt).to.include('seccomp=unconfined');
    });

    it('sets up in updateContentCommand with the same make target as CI', () => {
      expect(config.updateContentCommand).to.equal('make setup');
      expect(readFileSync(join(root, '.ci', 'run'), 'utf8')).to.match(/ make --no-print-directory setup$/m);
      expect(readFileSync(join(root, 'Makefile'), 'utf8')).to.match(/^setup:/m);
    });

    it('greets with make status on attach', () => {
      expect(config.postAttachCommand).to.match(/^make( --no-print-directory)? status$/);
    });

    it('recommends the C/C++ extension and Mocha for VS Code, whose Testing view reads every .mocharc', () => {
      const extensions: string[] = config.customizations.vscode.extensions;
      expect(extensions).to.include('ms-vscode.cpptools');
      expect(extensions).to.include('coderline.mocha-vscode');
      // Mocha Test Explorer loads Mocha's internals by paths Mocha 12 renamed.
      expect(extensions).to.not.include('hbenl.vscode-mocha-test-adapter');
    });

    it('states host requirements a Codespace can meet', () => {
      expect(config.hostRequirements.cpus).to.be.within(1, 4);
      expect(config.hostRequirements.memory).to.match(/^\d+gb$/);
    });

    it('opens lab 01\'s lesson in Codespaces', () => {
      const files: string[] = config.customizations.codespaces.openFiles;
      expect(files).to.include('labs/01-socketpair/README.md');
      for (const file of files) expect(existsSync(join(root, file)), file).to.equal(true);
    });
  });

  describe('VS Code (.vscode/)', () => {
    const tasks = readJsonc('.vscode/tasks.json');
    const launch = readJsonc('.vscode/launch.json');
    const taskNamed = (label: string): Json => tasks.tasks.find((t: Json) => t.label === label);
    const optionsOf = (file: Json, id: string): { label: string; value: string }[] =>
      file.inputs.find((input: Json) => input.id === id).options;
    // A picker's value is what its command needs: the lab's id for `make
    // lab-N`, or its folder's number ("07") to find labs/07-*/ by a glob.
    const expectPicker = (options: { label: string; value: string }[], expected: typeof labs, value = (lab: (typeof labs)[number]) => String(lab.id)): void => {
      expect(options.map((o) => o.value)).to.deep.equal(expected.map(value));
      options.forEach((option, i) => expect(option.label).to.equal(`${expected[i]!.id}  ${expected[i]!.title}`));
    };

    it('has a default test task that checks the lab being worked on', () => {
      const defaults = tasks.tasks.filter((t: Json) => t.group?.kind === 'test' && t.group?.isDefault === true);
      expect(defaults).to.have.length(1);
      expect(defaults[0].command).to.equal('make check');
    });

    it('has "Check lab…" with a picker listing every lab in the manifest', () => {
      expect(taskNamed('Check lab…').command).to.equal('make lab-${input:lab}');
      expectPicker(optionsOf(tasks, 'lab'), labs);
    });

    it('has "Run demo"', () => {
      expect(taskNamed('Run demo').command).to.equal('make demo');
    });

    it('debugs a lab\'s check in Node, as make lab-N runs it, following it into its children', () => {
      const node = launch.configurations.find((c: Json) => c.type === 'node');
      expect(node.program).to.equal('${workspaceFolder}/kit/cli.ts');
      expect(node.runtimeArgs).to.deep.equal([...TS_LOADER]);
      expect(node.args).to.deep.equal(['lab', '${input:lab}']);
      expect(node.autoAttachChildProcesses).to.equal(true);
      expectPicker(optionsOf(launch, 'lab'), labs);
    });

    describe('debugging the learner\'s C++ with gdb', () => {
      const gdb = launch.configurations.find((c: Json) => c.type === 'cppdbg');
      const env = Object.fromEntries(gdb.environment.map((e: Json) => [e.name, e.value]));
      const native = labs.filter((lab) => lab.native);

      it('loads the Debug addons of the labs tree under a pre-launch debug build', () => {
        expect(env).to.deep.equal({ FDLAB_BUILD_TYPE: 'Debug', FDLAB_CHECK_TREE: 'labs', FDLAB_CHECK_LAB: '${input:nativeLab}' });
        const build = taskNamed(gdb.preLaunchTask);
        expect(build, `the task "${gdb.preLaunchTask}"`).to.be.an('object');
        expect(build.command).to.equal('npm run --silent build:debug');
        expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts['build:debug']).to.equal(
          'node --import tsx/esm kit/build.ts all --debug',
        );
      });

      it('offers every C++ lab, and each pick names exactly that lab\'s check', () => {
        expectPicker(optionsOf(launch, 'nativeLab'), native, (lab) => lab.folder.split('-')[0]!);
        const spec: string = gdb.args.at(-1);
        const folders = readdirSync(join(root, 'labs'));
        for (const lab of native) {
          const [dir, file] = spec.replace('${input:nativeLab}', lab.folder.split('-')[0]!).replace(/^labs\//, '').split('/');
          const prefix = dir!.replace(/\*$/, '');
          expect(folders.filter((folder) => folder.startsWith(prefix)), spec).to.deep.equal([lab.folder]);
          expect(file).to.equal('check.spec.ts');
        }
      });

      it('runs Mocha in the debugged process itself (no config with node-option, which would fork)', () => {
        expect(gdb.args).to.include('--no-config');
        expect(gdb.args.slice(0, 2)).to.deep.equal([...TS_LOADER]);
      });

      it('stops at a breakpoint in the learner\'s fdlab_socketpair (in a copy, under gdb)', function () {
        this.timeout(300_000);
        if (spawnSync('gdb', ['--version']).status !== 0) this.skip(); // make doctor warns about a missing gdb
        const dir = builtCopy().dir;
        buildCopy(builtCopy(), true);
        // launch.json's program is the devcontainer's node; here, ours.
        const args = (gdb.args as string[]).map((arg) => arg.replace('${input:nativeLab}', '01'));
        const run = spawnSync(
          'gdb',
          ['-batch', '-ex', 'set breakpoint pending on', '-ex', 'break fdlab_socketpair', '-ex', 'run', '-ex', 'kill', '--args', process.execPath, ...args],
          { cwd: dir, encoding: 'utf8', env: cleanEnv({ ...env, FDLAB_CHECK_LAB: '1' }), timeout: 240_000 },
        );
        expect(`${run.stdout}${run.stderr}`).to.match(/Breakpoint 1(\.\d+)?, fdlab_socketpair \(.*\) at .*labs\/01-socketpair\/socketpair\.cc:\d+/);
      });
    });

    it('recommends, outside the container, the extensions the container installs', () => {
      const recommended: string[] = readJsonc('.vscode/extensions.json').recommendations;
      const installed: string[] = readJsonc('.devcontainer/devcontainer.json').customizations.vscode.extensions;
      for (const extension of installed) expect(recommended).to.include(extension);
    });

    it('recommends Mocha for VS Code and keeps no settings of Mocha Test Explorer, which it replaced', () => {
      // test/84-testing-view.spec.ts checks what Mocha for VS Code finds and how it runs it.
      const settings = readJsonc('.vscode/settings.json');
      const stale = Object.keys(settings).filter((key) => /^(mochaExplorer|testExplorer)\./.test(key));
      expect(stale).to.deep.equal([]);
      expect(readJsonc('.vscode/extensions.json').recommendations).to.include('coderline.mocha-vscode');
    });
  });
});
