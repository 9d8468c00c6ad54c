// The learner's commands of issue 13: make watch as a screen with keys
// (kit/commands/watch.ts, kit/watch-screen.ts), driven in a real terminal
// (tmux); make status with estimated times and labs that need a recheck
// because a lab they run on changed (kit/freshness.ts); make compare-N
// (kit/commands/compare.ts, kit/line-diff.ts); the hint prompt after
// LEVEL=k; .fdlab/ state that is not what the kit wrote (kit/state-files.ts);
// a reset that stops half-way; the doctor's Node check from package.json's
// engines. Waits on the terminal are bounded and wait for what the screen
// shows, never for a length of time.
//
// See: tmux(1) (new-session, send-keys, capture-pane, pipe-pane), diff(1).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { enginesRange, nodeVersionSupported } from '../kit/commands/doctor.ts';
import { duration } from '../kit/commands/status.ts';
import { nextHintPrompt } from '../kit/commands/hint.ts';
import { diffLines, unifiedHunks } from '../kit/line-diff.ts';
import { findLab, labFile, loadLabs, type Lab } from '../kit/manifest.ts';
import { root } from '../kit/paths.ts';
import { isHintLevels, type CheckResult } from '../kit/state.ts';
import { readStateFile } from '../kit/state-files.ts';
import { paint } from '../kit/terminal.ts';
import { notWrittenYet, renderResult, sortFailures } from '../kit/watch-screen.ts';
import type { ProjectCopy } from './support/project-copy.ts';
import { cleanEnv, learnerCopy, runKit } from './fixtures/learner-copy.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

const labs = loadLabs();
const lab6 = findLab(6);
const framing = labFile('labs', lab6, 'framing.ts');
const sync = labFile('labs', lab6, 'sync.ts');
const plain = paint({ isTTY: false }, {});

function result(lab: Lab, fields: Partial<CheckResult> & Pick<CheckResult, 'passed' | 'failed' | 'failures'>): CheckResult {
  return {
    lab: lab.id,
    tree: 'labs',
    verdict: fields.failed === 0 && fields.passed > 0 ? { kind: 'passed' } : { kind: 'failed' },
    skipped: 0,
    at: new Date().toISOString(),
    ...fields,
  };
}

/** A failure as lab 6's check reports a stub (labs/06-seqpacket/check.spec.ts, failIfNotWritten). */
const stub = (name: string, shortName: string, file: string, test: string) => ({
  title: `lab 6: ${test}`,
  message: `${shortName} is not written yet (it throws "${name} is not written yet: see TODO(lab 6) in ${file}").\n  expected: the TODO(lab 6) in ${file} done\n  in: ${file}`,
});
const real = (test: string, file: string) => ({
  title: `lab 6: ${test}`,
  message: `encodeFrame(3 bytes) gave 3 bytes, with no length in front\n  expected: 7 bytes: 00 00 00 03, then the payload\n  in: ${file}`,
});

describe('make watch\'s screen (kit/watch-screen.ts)', () => {
  describe('"not written yet" failures', () => {
    it('are recognised by the function the check names, the stub\'s own (qualified) name first', () => {
      expect(notWrittenYet(stub('FrameDecoder.feed', 'feed', framing, 'x'))).to.equal('FrameDecoder.feed');
      expect(notWrittenYet({ title: 'x', message: 'fdlab_socketpair is not written yet (it returns -1 with errno ENOSYS).\n  expected: a pair' })).to.equal('fdlab_socketpair');
      expect(notWrittenYet({ title: 'x', message: 'the middle stopped: readFdTable is not written yet.\n  in: labs/08-cloexec/leak.ts' })).to.equal('readFdTable');
    });

    it('are only those whose first line says so: a real failure that mentions a stub further down stays real', () => {
      expect(notWrittenYet(real('encodeFrame', framing))).to.equal(undefined);
      expect(notWrittenYet({ title: 'x', message: 'the frame was cut short\n  (sendFrame is not written yet)' })).to.equal(undefined);
      // Lab 5 names another lab's piece: the learner must go and write it, so it is shown whole.
      expect(notWrittenYet({ title: 'x', message: 'your spawnWithSocket (lab 2) is not written yet, and the demo runs on it.' })).to.equal(undefined);
    });

    it('collapse to one line per function, with how many checks wait on it, after the real failures', () => {
      const failures = [
        stub('encodeFrame', 'encodeFrame', framing, 'encode'),
        ...Array.from({ length: 7 }, (_, i) => stub('FrameDecoder.feed', 'feed', framing, `decode ${i}`)),
        real('encodeFrame: a 4-byte length', framing),
        ...Array.from({ length: 9 }, (_, i) => stub('receiveWithFds', 'receiveWithFds', sync, `receive ${i}`)),
      ];
      const screen = renderResult(result(lab6, { passed: 0, failed: failures.length, failures }), lab6, plain);
      const lines = screen.split('\n');
      expect(screen).to.include(`lab 6: ${failures.length} of ${failures.length} checks failed.`);
      expect(lines.filter((line) => /FrameDecoder\.feed/.test(line)), screen).to.have.length(1);
      expect(lines.find((line) => line.includes('FrameDecoder.feed'))).to.match(/FrameDecoder\.feed\s+labs\/06-seqpacket\/framing\.ts\s+7 checks/);
      expect(lines.find((line) => line.includes('receiveWithFds'))).to.match(/receiveWithFds\s+labs\/06-seqpacket\/sync\.ts\s+9 checks/);
      expect(screen).to.include('Not written yet (17 checks wait on them):');
      expect(screen.indexOf('1) lab 6: encodeFrame: a 4-byte length'), 'the real failure first').to.be.within(0, screen.indexOf('Not written yet'));
      expect(screen).to.include('with no length in front');
      expect(screen).to.not.include('decode 3');
    });

    it('put the failure about the file saved last first', () => {
      const aboutSync = { title: 'lab 6: receiveWithFds refuses a count of 0', message: `it accepted a count of 0\n  in: ${sync}` };
      const aboutFraming = real('encodeFrame', framing);
      expect(sortFailures([aboutFraming, aboutSync], lab6, sync).real).to.deep.equal([aboutSync, aboutFraming]);
      expect(sortFailures([aboutFraming, aboutSync], lab6, framing).real).to.deep.equal([aboutFraming, aboutSync]);
      expect(sortFailures([aboutFraming, aboutSync], lab6).real, 'the check\'s order otherwise').to.deep.equal([aboutFraming, aboutSync]);
    });
  });

  it('says a passing lab passes and points at make compare-N', () => {
    const screen = renderResult(result(lab6, { passed: 25, failed: 0, failures: [] }), lab6, plain);
    expect(screen).to.equal('lab 6 passes. make compare-6 shows your files beside the solution\'s.');
  });

  it('shows a crash\'s signal and the lab function that was running, from the typed verdict', () => {
    const lab3 = findLab(3);
    const crashed: CheckResult = {
      ...result(lab3, { passed: 2, failed: 0, failures: [] }),
      verdict: {
        kind: 'crashed',
        signal: 'SIGSEGV',
        exitCode: null,
        where: { function: 'fdlab_sendmsg', file: 'labs/03-sendmsg/sendmsg.cc' },
        test: 'lab 3 sends one fd',
        stderr: [],
      },
    };
    expect(renderResult(crashed, lab3, plain)).to.include('the check was killed by SIGSEGV in fdlab_sendmsg (labs/03-sendmsg/sendmsg.cc), during "lab 3 sends one fd"');
  });
});

describe('make compare-N\'s diff (kit/line-diff.ts)', () => {
  const texts: [string, string][] = [
    ['a\nb\nc\n', 'a\nB\nc\n'],
    ['one\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\neleven\n', 'one\nthree\nfour\nfive\nsix\nseven\neight\nnine\nTEN\neleven\ntwelve\n'],
    ['', 'new\nfile\n'],
    ['gone\n', ''],
    ['x\ny\n', 'x\ny\n'],
  ];

  it('writes the hunks diff -u writes', function () {
    const dir = mkdtempSync(join(tmpdir(), 'fdlab-diff-'));
    try {
      for (const [before, after] of texts) {
        writeFileSync(join(dir, 'a'), before);
        writeFileSync(join(dir, 'b'), after);
        const gnu = spawnSync('diff', ['-u', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' });
        if (gnu.error) this.skip();
        const hunks = gnu.stdout.split('\n').slice(2).join('\n');
        const ours = unifiedHunks(before, after)
          .map((hunk) => [hunk.header, ...hunk.lines.map((line) => `${line.kind}${line.text}`)].join('\n'))
          .join('\n');
        expect(ours + (ours === '' ? '' : '\n'), JSON.stringify([before, after])).to.equal(hunks);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps every line of both texts, in order', () => {
    for (const [before, after] of texts) {
      const lines = diffLines(before, after);
      const side = (kind: '-' | '+'): string => lines.filter((line) => line.kind !== kind).map((line) => `${line.text}\n`).join('');
      expect(side('+')).to.equal(before);
      expect(side('-')).to.equal(after);
    }
  });
});

describe('make hint-N after LEVEL=k (kit/commands/hint.ts)', () => {
  it('promises the hint after the highest level read, not after the level just re-read', () => {
    expect(nextHintPrompt(1, 1, 2, 3, 'make')).to.equal('You have read up to hint 2: `make hint-1` shows hint 3 next.');
    expect(nextHintPrompt(1, 1, 3, 3, 'make')).to.equal('You have read all 3 hints. `make hint-1 LEVEL=k` re-reads level k.');
    expect(nextHintPrompt(1, 2, 2, 3, 'make')).to.equal('Still stuck? `make hint-1` again shows hint 3.');
    expect(nextHintPrompt(1, 3, 3, 3, 'make')).to.equal('That was the last hint. `make hint-1 LEVEL=k` re-reads level k.');
    expect(nextHintPrompt(6, 1, 1, 4, 'watch')).to.equal('Still stuck? Press h again for hint 2.');
  });

  it('keeps its promise: the hint it names is the one make hint-N shows next', () => {
    const state = mkdtempSync(join(tmpdir(), 'fdlab-state-'));
    try {
      const hint = (...args: string[]) => runKit(root, ['hint', ...args], { FDLAB_STATE_DIR: state });
      hint('1');
      hint('1');
      const reread = hint('1', '1');
      expect(reread.code, reread.output).to.equal(0);
      const promised = /shows hint (\d+)/.exec(reread.output)?.[1];
      expect(promised, reread.output).to.equal('3');
      expect(hint('1').output).to.include(`hint ${promised} of ${findLab(1).hints.length}`);
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  });
});

describe('.fdlab/ state that is not what the kit wrote (kit/state-files.ts)', () => {
  let state: string;
  beforeEach(() => (state = mkdtempSync(join(tmpdir(), 'fdlab-state-'))));
  afterEach(() => rmSync(state, { recursive: true, force: true }));

  const asideIn = (dir: string, name: string): string[] => readdirSync(dir).filter((file) => file.startsWith(`${name}.corrupt-`));

  /** Runs `read` with stderr captured: what it returned, and the notes it wrote. */
  function noted<T>(read: () => T): { value: T; notes: string[] } {
    const notes: string[] = [];
    const write = process.stderr.write;
    process.stderr.write = ((chunk: string | Uint8Array) => notes.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
      return { value: read(), notes };
    } finally {
      process.stderr.write = write;
    }
  }

  for (const [what, text] of [
    ['null', 'null'],
    ['a string', '"level 2"'],
    ['an array', '[1, 2]'],
    ['a level that is not a number', '{ "1": "two" }'],
    ['a lab that is not a lab id', '{ "one": 2 }'],
    ['invalid JSON', '{ "1": 2'],
    ['an empty file', ''],
  ]) {
    it(`sets aside hint levels holding ${what}, with a one-line note naming the file`, () => {
      const file = join(state, 'hints.json');
      writeFileSync(file, text);
      const { value, notes } = noted(() => readStateFile(file, isHintLevels));
      expect(value).to.equal(undefined);
      expect(notes).to.have.length(1);
      expect(notes[0]).to.match(/^fdlab: .* set aside as .*\n$/).and.include(`${file} is not what the kit wrote`);
      expect(notes[0]!.split('\n')).to.have.length(2);
      const aside = asideIn(state, 'hints.json');
      expect(aside).to.have.length(1);
      expect(readFileSync(join(state, aside[0]!), 'utf8'), 'kept for a look').to.equal(text);
      expect(existsSync(file)).to.equal(false);
    });
  }

  it('reads hint levels as the kit writes them, and says nothing when there is no file yet', () => {
    const file = join(state, 'hints.json');
    expect(noted(() => readStateFile(file, isHintLevels))).to.deep.equal({ value: undefined, notes: [] });
    writeFileSync(file, '{ "1": 2, "10": 0 }');
    expect(noted(() => readStateFile(file, isHintLevels))).to.deep.equal({ value: { 1: 2, 10: 0 }, notes: [] });
  });

  it('lets make hint-N go on past a hints.json holding null, which used to stop it for good', () => {
    writeFileSync(join(state, 'hints.json'), 'null');
    const run = runKit(root, ['hint', '1'], { FDLAB_STATE_DIR: state });
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.not.match(/TypeError|Cannot read properties/);
    expect(run.output.split('\n').filter((line) => line.startsWith('fdlab: '))).to.have.length(1);
    expect(JSON.parse(readFileSync(join(state, 'hints.json'), 'utf8'))).to.deep.equal({ 1: 1 });
  });

  it('sets aside a result file of the wrong shape (null, counts that are not counts), but reads one with fields it does not know', () => {
    const results = join(state, 'results');
    mkdirSync(results);
    const good = { lab: 3, tree: 'labs', passed: 2, failed: 0, skipped: 0, failures: [], at: new Date().toISOString() };
    writeFileSync(join(results, 'labs-lab-1.json'), 'null');
    writeFileSync(join(results, 'labs-lab-2.json'), JSON.stringify({ ...good, lab: 2, passed: '2' }));
    writeFileSync(join(results, 'labs-lab-3.json'), JSON.stringify({ ...good, verdict: { kind: 'passed' }, addedLater: { by: 'a newer kit' } }));
    writeFileSync(join(results, 'labs-lab-4.json'), JSON.stringify({ ...good, lab: 4, failures: [null] }));
    // In a process of its own: the state folder is fixed when kit/state.ts loads.
    const read = spawnSync(
      process.execPath,
      [...TS_LOADER, '--input-type=module', '-e', "const { readResult } = await import('./kit/state.ts'); for (const lab of [1, 2, 3, 4]) console.log(JSON.stringify(readResult('labs', lab) ?? null));"],
      { cwd: root, encoding: 'utf8', env: cleanEnv({ FDLAB_STATE_DIR: state }) },
    );
    const [one, two, three, four] = read.stdout.trim().split('\n');
    expect([one, two, four], read.stderr).to.deep.equal(['null', 'null', 'null']);
    expect(JSON.parse(three!)).to.include({ lab: 3, passed: 2 });
    const notes = read.stderr.trim().split('\n');
    expect(notes).to.have.length(3);
    expect(notes[0]).to.include('labs-lab-1.json is not what the kit wrote (null)');
    expect(notes[1]).to.include('labs-lab-2.json is not what the kit wrote (an object of another shape)');
    for (const lab of [1, 2, 4]) expect(asideIn(results, `labs-lab-${lab}.json`), `lab ${lab}`).to.have.length(1);
    expect(existsSync(join(results, 'labs-lab-3.json'))).to.equal(true);
  });
});

describe('the manifest\'s times and dependencies', () => {
  it('gives every lab an estimated time in minutes, and README\'s labs table shows it', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const lab of labs) {
      expect(Number.isInteger(lab.minutes) && lab.minutes > 0, `lab ${lab.id}'s minutes`).to.equal(true);
      const row = readme.split('\n').find((line) => line.startsWith(`| [${lab.folder}]`));
      expect(row, `README's row for ${lab.folder}`).to.match(new RegExp(`\\| ${duration(lab.minutes)} \\|$`));
    }
  });

  it('names, for each lab, only earlier labs it runs on; lab 5 runs on 1-4', () => {
    for (const lab of labs) {
      for (const id of lab.dependsOn) expect(labs.some((other) => other.id === id) && id < lab.id, `lab ${lab.id} depends on ${id}`).to.equal(true);
    }
    expect(findLab(5).dependsOn).to.deep.equal([1, 2, 3, 4]);
  });
});

describe('make doctor\'s Node check', () => {
  it('reads the supported versions from package.json\'s engines, through semver', () => {
    const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    expect(enginesRange()).to.equal(engines);
    expect(nodeVersionSupported(process.version), `this Node (${process.version}) runs the kit's tests`).to.equal(true);
    expect(nodeVersionSupported('v20.20.0', '>=22')).to.equal(false);
    expect(nodeVersionSupported('v26.0.0-pre', '>=22')).to.equal(true);
  });
});

describe('make compare-N', () => {
  it('is a Makefile target calling the kit', () => {
    const run = spawnSync('make', ['-n', '-o', 'node_modules/.package-lock.json', 'compare-3'], { cwd: root, encoding: 'utf8', env: cleanEnv() });
    expect(run.stdout.trim(), run.stderr).to.equal('node --import tsx/esm kit/cli.ts compare 3');
  });
});

/** tmux on a socket of its own, so the test's server is never the learner's or another test's. */
class Terminal {
  readonly dir = mkdtempSync(join(tmpdir(), 'fdlab-tmux-'));
  private readonly socket = join(this.dir, 'socket');
  /** Everything the program wrote to the terminal, escape sequences included (pipe-pane). */
  readonly raw = join(this.dir, 'raw');

  tmux(...args: string[]): string {
    const run = spawnSync('tmux', ['-S', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', env: cleanEnv() });
    if (run.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${run.stderr}`);
    return run.stdout;
  }

  /** Where the pane's shell writes the program's exit status ($?) once it has reaped it. */
  private readonly status = join(this.dir, 'status');

  /**
   * Starts `command` in `cwd` in a 150x50 terminal; it runs only once
   * pipe-pane records its output. The pane's shell waits for it and writes
   * its status to a file: tmux's own pane_dead_status stays empty when tmux
   * has not reaped the program yet, which was seen to last for minutes.
   */
  start(cwd: string, command: string): void {
    const ready = join(this.dir, 'ready');
    const script = `while [ ! -e '${ready}' ]; do sleep 0.05; done; ${command}; echo $? > '${this.status}.tmp' && mv '${this.status}.tmp' '${this.status}'`;
    this.tmux('new-session', '-d', '-s', 'fdlab', '-x', '150', '-y', '50', '-c', cwd, script, ';', 'set-option', '-t', 'fdlab', 'remain-on-exit', 'on');
    this.tmux('pipe-pane', '-t', 'fdlab', '-o', `cat >> '${this.raw}'`);
    writeFileSync(ready, '');
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'fdlab', ...keys);
  }

  /** The screen and its scrollback, wrapped lines joined. */
  screen(): string {
    return this.tmux('capture-pane', '-p', '-J', '-t', 'fdlab', '-S', '-3000');
  }

  /**
   * How the program ended, "exit N" or "signal S", once the pane's shell
   * has written it; else undefined.
   */
  ending(): string | undefined {
    if (!existsSync(this.status)) return undefined;
    const code = Number(readFileSync(this.status, 'utf8').trim());
    // The shell reports a program killed by signal n as 128 + n.
    return code > 128 ? `signal ${code - 128}` : `exit ${code}`;
  }

  /** Resolves once `test` holds for the screen; fails with the screen after `ms` (a bound, not a measure). */
  async until(what: string, test: (screen: string) => boolean, ms = 180_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const screen = this.screen();
      if (test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`the terminal never showed ${what}. It shows:\n${screen}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async exited(): Promise<string> {
    await this.until('the program exiting', () => this.ending() !== undefined);
    return this.ending()!;
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const hasTmux = spawnSync('tmux', ['-V']).error === undefined;

describe('the learner\'s commands in a copy of the project', function () {
  this.timeout(600_000);
  let copy: ProjectCopy;
  before(() => (copy = learnerCopy({ git: true })));
  after(() => copy?.remove());

  const at = (path: string): string => join(copy.dir, path);
  const kit = (...args: string[]) => runKit(copy.dir, args);
  function writeResult(lab: Lab, passed: boolean, when: Date): void {
    const file = at(`.fdlab/results/labs-lab-${lab.id}.json`);
    mkdirSync(join(file, '..'), { recursive: true });
    const failures = passed ? [] : [{ title: 't', message: 'm' }];
    writeFileSync(file, JSON.stringify({ ...result(lab, { passed: passed ? 5 : 0, failed: passed ? 0 : 1, failures }), at: when.toISOString() }));
  }
  /** Every lab's files and check dated `when`: older than the results written after it. */
  function dateLabFiles(when: Date): void {
    for (const lab of labs) {
      for (const file of [...lab.files.map((f) => labFile('labs', lab, f)), `labs/${lab.folder}/check.spec.ts`]) utimesSync(at(file), when, when);
    }
  }
  const row = (output: string, id: number): string => output.split('\n').find((line) => line.startsWith(`  ${id} `)) ?? '';
  afterEach(() => {
    rmSync(at('.fdlab'), { recursive: true, force: true });
    spawnSync('git', ['checkout', '--quiet', '--', 'labs'], { cwd: copy.dir, env: cleanEnv() });
  });

  describe('make status', () => {
    it('shows each lab\'s estimated time', () => {
      const run = kit('status');
      expect(run.code, run.output).to.equal(0);
      expect(run.stdout).to.match(/^ {2}lab +title +time +state/m);
      for (const lab of labs) expect(row(run.stdout, lab.id), `lab ${lab.id}`).to.include(duration(lab.minutes));
    });

    it('marks lab 5 "needs recheck" after make reset-3, without rechecking it, and names what changed', () => {
      // Labs 1-5 passed an hour ago, lab 3 with the learner's own sendmsg.cc.
      appendFileSync(at(labFile('labs', findLab(3), 'sendmsg.cc')), '// my sendmsg\n');
      dateLabFiles(new Date(Date.now() - 2 * 3600_000));
      for (const lab of labs.slice(0, 5)) writeResult(lab, true, new Date(Date.now() - 3600_000));
      const before = kit('status');
      expect(row(before.stdout, 5), before.stdout).to.include('passed');

      const reset = kit('reset', '3');
      expect(reset.code, reset.output).to.equal(0);
      const after = kit('status');
      expect(after.code, after.output).to.equal(0);
      expect(row(after.stdout, 5), after.stdout).to.include('needs recheck: lab 3 changed');
      expect(after.stdout).to.include('Lab 5 runs on your code from labs 1, 2, 3, 4; lab 3 has changed since its last check: make lab-5 rechecks it.');
      expect(after.stdout, 'lab 5\'s slow check is left to the learner').to.not.include('checking lab 5');
      expect(after.stdout).to.include('3 of 10 labs pass');
    });

    it('sets aside a result file holding null with a note, and shows the lab as not started', () => {
      writeResult(findLab(2), true, new Date());
      writeFileSync(at('.fdlab/results/labs-lab-1.json'), 'null');
      writeFileSync(at('.fdlab/hints.json'), 'null');
      const run = kit('status');
      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include('fdlab: .fdlab/results/labs-lab-1.json is not what the kit wrote (null); set aside as .fdlab/results/labs-lab-1.json.corrupt-');
      expect(run.output).to.include('fdlab: .fdlab/hints.json is not what the kit wrote (null)');
      expect(row(run.stdout, 1)).to.include('not started');
      expect(row(run.stdout, 2)).to.include('passed');
      expect(kit('hint', '1').code, 'hints work again').to.equal(0);
    });
  });

  describe('make compare-N', () => {
    const lab1 = findLab(1);
    const mine = labFile('labs', lab1, 'socketpair.cc');

    it('refuses before the lab passes, pointing at the check and the hints', () => {
      const run = kit('compare', '1');
      expect(run.code).to.equal(1);
      expect(run.output).to.include('lab 1 does not pass yet').and.include('make lab-1').and.include('make hint-1');
      expect(run.stdout).to.equal('');
    });

    it('after a pass, shows the learner\'s file beside the solution\'s as a unified diff, plain in a pipe', () => {
      const solution = readFileSync(at(labFile('solutions', lab1, 'socketpair.cc')), 'utf8');
      writeFileSync(at(mine), solution.replace('return socketpair(', '// mine, the long way\n  return socketpair('));
      writeResult(lab1, true, new Date(Date.now() + 60_000));
      const run = kit('compare', '1');
      expect(run.code, run.output).to.equal(0);
      expect(run.stdout).to.include(`--- ${mine} (yours)\n+++ solutions/01-socketpair/socketpair.cc (the solution)\n@@ -`);
      expect(run.stdout).to.match(/^- {2}\/\/ mine, the long way$/m);
      expect(run.stdout).to.not.include('\x1b[');
    });
  });

  describe('make reset-N stopping half-way', () => {
    it('still says where the backup is and which files it replaced', () => {
      const lab2 = findLab(2);
      const [spawnTs, childTs] = lab2.files.map((file) => labFile('labs', lab2, file));
      const edited = `${readFileSync(at(spawnTs!), 'utf8')}// my spawn\n`;
      writeFileSync(at(spawnTs!), edited);
      // child.ts replaced by a link into a folder that does not exist: nothing to back up, and no way to write it.
      rmSync(at(childTs!));
      symlinkSync(join(copy.dir, 'no-such-folder', 'child.ts'), at(childTs!));
      const run = kit('reset', '2');
      expect(run.code, run.output).to.equal(1);
      const backup = /Your version is saved in (\S+)\/\./.exec(run.output)?.[1];
      expect(backup, run.output).to.be.a('string');
      expect(readFileSync(at(join(backup!, spawnTs!)), 'utf8')).to.equal(edited);
      expect(run.output).to.include(`the reset of lab 2 stopped half-way: cannot write ${childTs}`);
      expect(run.output).to.include(`${spawnTs} is back to its starting state`).and.include(`${childTs} was not changed`);
      expect(run.output).to.include(`Your version is still in ${backup}/`);
      rmSync(at(childTs!));
    });
  });

  describe('make watch in a terminal (tmux)', () => {
    let terminal: Terminal | undefined;
    before(function () {
      if (!hasTmux) {
        if (process.env.CI === 'true') throw new Error('tmux is not installed: .ci/run must install it (apt-get install -y tmux)');
        this.skip(); // tmux is not installed here: apt-get install -y tmux runs these tests
      }
    });
    afterEach(() => {
      terminal?.close();
      terminal = undefined;
    });
    const watch = (env = ''): string => `env ${env} ${process.execPath} --import tsx kit/cli.ts watch 6`;
    /** The part of the screen from the last run's header on. */
    const lastRun = (screen: string): string => screen.slice(screen.lastIndexOf('fdlab watch: lab '));

    it('collapses stubs, puts the real failure first, takes keys h, l, r, n and q, and checks a save made during a check', async () => {
      terminal = new Terminal();
      const hold = join(terminal.dir, 'hold');
      terminal.start(copy.dir, watch());
      let screen = await terminal.until('the first run\'s result and its keys', (s) => /Keys: h hint/.test(s));
      expect(screen).to.match(/Not written yet \(\d+ checks wait on them\):/);
      expect(screen.match(/^ {2}receiveWithFds +labs\/06-seqpacket\/sync\.ts +\d+ checks$/gm), screen).to.have.length(1);

      // A wrong encodeFrame, and a way to hold the check while it runs: it waits while `hold` exists.
      const stubbed = readFileSync(at(framing), 'utf8');
      writeFileSync(
        at(framing),
        `${stubbed.replace(/void payload;\n\s*throw new Error\('encodeFrame is not written yet[^\n]*\n/, 'return Buffer.from(payload);\n')}\n` +
          `import { existsSync } from 'node:fs';\n` +
          `while (existsSync(${JSON.stringify(hold)})) await new Promise((resolve) => setTimeout(resolve, 20));\n`,
      );
      screen = await terminal.until('run 2\'s result', (s) => /\(run 2,/.test(s) && /Keys: h hint/.test(lastRun(s)));
      const run2 = lastRun(screen);
      expect(run2.indexOf('encodeFrame'), run2).to.be.within(0, run2.indexOf('Not written yet'));
      expect(run2).to.not.match(/^ {2}encodeFrame /m);

      terminal.keys('h');
      await terminal.until('hint 1', (s) => s.includes(`lab 6, ${lab6.title}: hint 1 of ${lab6.hints.length}`) && s.includes('Press h again for hint 2.'));
      terminal.keys('l');
      screen = await terminal.until('the status list', (s) => /^ {2}lab +title +time +state/m.test(s));
      expect(screen).to.match(/^ {2}6 +Message boundaries.*failing/m);

      writeFileSync(hold, '');
      terminal.keys('r');
      await terminal.until('run 3 running', (s) => /\(run 3,/.test(s) && lastRun(s).includes('checking...'));
      appendFileSync(at(sync), '// saved while the check ran\n');
      await terminal.until('the save noted', (s) => s.includes('lab 6 will be checked as soon as the running check ends.'));
      rmSync(hold);
      await terminal.until('run 4, for the save', (s) => /\(run 4,/.test(s) && /Keys: h hint/.test(lastRun(s)));

      terminal.keys('n');
      await terminal.until('lab 7', (s) => s.includes('fdlab watch: lab 7, '));
      terminal.keys('q');
      expect(await terminal.exited()).to.equal('exit 0');
      const raw = readFileSync(terminal.raw, 'latin1');
      expect(raw, 'a terminal that can, is cleared and coloured').to.include('\x1b[2J').and.include('\x1b[1m');
    });

    for (const env of ['TERM=dumb', 'NO_COLOR=1']) {
      it(`neither clears the screen nor colours it with ${env}, and q still quits`, async () => {
        terminal = new Terminal();
        terminal.start(copy.dir, watch(env));
        await terminal.until('the first run\'s keys', (s) => /Keys: h hint, r rerun/.test(s));
        terminal.keys('q');
        expect(await terminal.exited()).to.equal('exit 0');
        expect(readFileSync(terminal.raw, 'latin1')).to.not.match(/\x1b\[/);
      });
    }

    it('quits on Ctrl-C, which raw mode delivers as a key, and gives the terminal back', async () => {
      terminal = new Terminal();
      terminal.start(copy.dir, `sh -c '${watch()}; stty -a'`);
      await terminal.until('the first run\'s keys', (s) => /Keys: h hint/.test(s));
      terminal.keys('C-c');
      await terminal.until('stty\'s settings', (s) => /speed \d+ baud/.test(s));
      const screen = terminal.screen();
      expect(screen).to.include('fdlab watch: stopping.');
      expect(screen, 'echo and canonical mode back on').to.match(/(^|\s)icanon(\s|$)/m).and.match(/(^|\s)echo(\s|$)/m);
    });
  });
});
