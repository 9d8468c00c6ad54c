// The check runner (kit/run-check.ts) against hostile learner code: a lab
// that loops, blocks, crashes, exits, forks and leaves children, closes its
// output, runs out of fds, does not parse or import, rejects a promise
// nobody awaits, or is stopped by Ctrl-C. For each: the message the learner
// reads, that the kit came back by itself (a short deadline for the test,
// FDLAB_CHECK_DEADLINE_MS, and nothing asserted about how long it took),
// and what was left: no process of the check, no temp dir, a .fdlab/ result
// that reads back with the verdict the kit printed.
//
// One built copy of the project serves every case. The hostile programs
// are the lab's solution with one switch added, FDLAB_HOSTILE, that picks
// what goes wrong, so the C++ lab is rebuilt once for all its cases.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isVerdict, type Verdict } from '../kit/verdict.ts';
import type { ProjectCopy } from './support/project-copy.ts';
import { cleanEnv, learnerCopy, runKit, type KitRun } from './fixtures/learner-copy.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

/** The deadline the tests give a check that is stuck for good: short. */
const STUCK_DEADLINE_MS = '5000';
/** The deadline for every other check: long enough for a busy machine (only the stuck ones ever meet it). */
const DEADLINE_MS = '300000';

/** Lab 01's solution, with FDLAB_HOSTILE choosing a way to go wrong. */
const HOSTILE_SOCKETPAIR = `// A hostile lab 01 (test/92-check-runner.spec.ts).
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../../native/fdlab.h"

static bool hostile(const char* what) {
  const char* chosen = getenv("FDLAB_HOSTILE");
  return chosen != nullptr && strcmp(chosen, what) == 0;
}

int fdlab_socketpair(int type, int fds[2]) {
  if (hostile("loop")) {
    volatile int spin = 1;
    while (spin) {
    }
  }
  if (hostile("block")) {
    int sv[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    char byte;
    struct iovec iov = {&byte, 1};
    struct msghdr msg = {};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    recvmsg(sv[0], &msg, 0);
  }
  if (hostile("segv")) {
    volatile int* nowhere = nullptr;
    *nowhere = 1;
  }
  if (hostile("exit")) exit(3);
  if (hostile("close-output")) {
    close(1);
    close(2);
  }
  return socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds);
}
`;

/** What lab 02's spawnWithSocket does first, by FDLAB_HOSTILE, before the solution's code. */
const HOSTILE_SPAWN = `
function hostile(): void {
  const chosen = process.env.FDLAB_HOSTILE;
  if (chosen === 'spin') for (;;) hostileCount += 1;
  if (chosen === 'exit') process.exit(3);
  if (chosen === 'fork') {
    spawn('sleep', ['600'], { stdio: 'inherit' });
    spawn('sleep', ['601'], { stdio: 'ignore', detached: true }).unref();
  }
  if (chosen === 'reject') void Promise.reject(new Error('nobody awaits this promise'));
  if (chosen === 'emfile') {
    for (;;) hostileFds.push(openSync('/dev/null', 'r'));
  }
  if (chosen === 'close-node-fds') {
    for (const name of readdirSync('/proc/self/fd')) {
      let target = '';
      try {
        target = readlinkSync('/proc/self/fd/' + name);
      } catch {}
      if (target.includes('eventpoll')) closeSync(Number(name));
    }
  }
}
let hostileCount = 0;
const hostileFds: number[] = [];
`;

function hostileSpawn(solution: string): string {
  const imports = "import { closeSync, openSync, readdirSync, readlinkSync } from 'node:fs';\n";
  const body = solution.replace(/(export function spawnWithSocket\([^)]*\): ChildProcess \{\n)/, '$1  hostile();\n');
  expect(body, 'the hook went into spawnWithSocket').to.not.equal(solution);
  return `${imports}${body}${HOSTILE_SPAWN}`;
}

describe('every check is bounded, blamed right, and leaves nothing (in a copy of the project)', function () {
  this.timeout(600_000);
  let copy: ProjectCopy;
  /** The kit's TMPDIR in these tests: every temp dir a check makes is in it. */
  let kitTmp: string;
  const path = (file: string): string => join(copy.dir, file);

  before(() => {
    copy = learnerCopy({ git: false });
    kitTmp = mkdtempSync(join(tmpdir(), 'fdlab-92-'));
  });
  after(() => {
    copy?.remove();
    if (kitTmp !== undefined) rmSync(kitTmp, { recursive: true, force: true });
  });

  const env = (hostile: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    TMPDIR: kitTmp,
    FDLAB_CHECK_DEADLINE_MS: DEADLINE_MS,
    FDLAB_CHECK_TYPES: '0',
    FDLAB_HOSTILE: hostile,
    ...extra,
  });

  /** Processes whose working directory is in the copy: only the kit and what it started ever are. */
  function processesInCopy(): string[] {
    const found: string[] = [];
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
      try {
        const cwd = readlinkSync(`/proc/${name}/cwd`);
        if (cwd === copy.dir || cwd.startsWith(`${copy.dir}/`)) found.push(`${name}: ${readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ')}`);
      } catch {
        // gone, or not ours
      }
    }
    return found;
  }

  /** Asserts that nothing of the check is left: no process (a killed one gets a moment to be reaped), no temp dir. */
  async function expectNothingLeft(run: KitRun): Promise<void> {
    for (let i = 0; i < 40 && processesInCopy().length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(processesInCopy(), `processes left by the check\n${run.output}`).to.deep.equal([]);
    // tsx-<uid> is tsx's compile cache, the kit's own, kept on purpose.
    expect(readdirSync(kitTmp).filter((name) => !name.startsWith('tsx-')), 'temp dirs left by the check').to.deep.equal([]);
  }

  /** The verdict saved in .fdlab/ for lab `id` (it must read back as a verdict). */
  function savedVerdict(id: number): Verdict {
    const saved = JSON.parse(readFileSync(path(`.fdlab/results/labs-lab-${id}.json`), 'utf8')) as { verdict: unknown };
    expect(isVerdict(saved.verdict), JSON.stringify(saved)).to.equal(true);
    return saved.verdict as Verdict;
  }

  /** The kit ran to its own end (not the test's timeout), failed the lab, named the file and the hint. */
  function expectFailedLab(run: KitRun, id: number, file: string): void {
    expect(run.code, run.output).to.equal(1);
    expect(run.output).to.include(file).and.include(`Stuck? make hint-${id}`);
    expect(run.output).to.match(/^\d+ passed, [1-9]\d* failed/m);
  }

  describe('C++ that misbehaves (lab 01, rebuilt once)', () => {
    const file = 'labs/01-socketpair/socketpair.cc';
    before(() => writeFileSync(path(file), HOSTILE_SOCKETPAIR));
    const lab1 = (hostile: string, extra: NodeJS.ProcessEnv = {}): KitRun => runKit(copy.dir, ['lab', '1'], env(hostile, extra));
    const stuck = { FDLAB_CHECK_DEADLINE_MS: STUCK_DEADLINE_MS };

    it('stops a C++ infinite loop at the deadline: "spinning on the CPU", in which test', async () => {
      const run = lab1('loop', stuck);
      expectFailedLab(run, 1, file);
      expect(run.output, run.output).to.match(/the check was stopped after \d+ s in test «lab 1: [^»]+»/);
      expect(run.output).to.include('the check process').and.include('spinning on the CPU');
      const verdict = savedVerdict(1);
      expect(verdict.kind).to.equal('hung');
      await expectNothingLeft(run);
    });

    it('stops a check blocked in a synchronous call, naming the call (recvmsg)', async () => {
      const run = lab1('block', stuck);
      expectFailedLab(run, 1, file);
      expect(run.output).to.include('was asleep in recvmsg(2)');
      expect(savedVerdict(1).kind).to.equal('hung');
      await expectNothingLeft(run);
    });

    it('names the signal and the C++ file when the C++ crashes (a NULL pointer)', async () => {
      const run = lab1('segv');
      expectFailedLab(run, 1, file);
      expect(run.output).to.include('SIGSEGV').and.include('a bad pointer or a buffer overrun?');
      expect(run.output).to.match(/fdlab_socketpair in labs\/01-socketpair\/socketpair\.cc crashed|your C\+\+ in labs\/01-socketpair\/socketpair\.cc is the likeliest cause/);
      const verdict = savedVerdict(1);
      expect(verdict.kind).to.equal('crashed');
      expect(verdict.kind === 'crashed' && verdict.test).to.match(/^lab 1: /);
      await expectNothingLeft(run);
    });

    it('says the check process exited, and with which code, when the C++ calls exit(3)', async () => {
      const run = lab1('exit');
      expectFailedLab(run, 1, file);
      const verdict = savedVerdict(1);
      expect(verdict.kind, run.output).to.equal('crashed');
      // exit() runs the process's static destructors while Node's other
      // threads still run: now and then that ends in a crash instead.
      if (verdict.kind === 'crashed' && verdict.signal === null) {
        expect(verdict.exitCode).to.equal(3);
        expect(run.output).to.include('exited with code 3').and.include(`exit() in your C++ (${file})`);
      } else {
        expect(run.output).to.match(/died with SIG[A-Z]+|crashed with SIG[A-Z]+/).and.include(file);
      }
      await expectNothingLeft(run);
    });

    it('still gives the verdict and lists the failures when the C++ closes stdout and stderr', async () => {
      const run = lab1('close-output');
      expect(run.code, run.output).to.not.equal(null);
      expect(run.output).to.include('did your code close fd 1');
      expect(run.output).to.match(/^\d+ passed, \d+ failed/m);
      expect(['passed', 'failed']).to.include(savedVerdict(1).kind);
      await expectNothingLeft(run);
    });
  });

  describe('TypeScript that misbehaves (lab 02)', () => {
    const spawnFile = 'labs/02-spawn/spawn.ts';
    before(() => {
      writeFileSync(path(spawnFile), hostileSpawn(readFileSync(path('solutions/02-spawn/spawn.ts'), 'utf8')));
      writeFileSync(path('labs/02-spawn/child.ts'), readFileSync(path('solutions/02-spawn/child.ts')));
    });
    const lab2 = (hostile: string, extra: NodeJS.ProcessEnv = {}): KitRun => runKit(copy.dir, ['lab', '2'], env(hostile, extra));

    it('passes with the switch off: the hostile file is the solution otherwise', async () => {
      const run = lab2('');
      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include('lab 2 passes against labs/.');
      expect(savedVerdict(2).kind).to.equal('passed');
      await expectNothingLeft(run);
    });

    it('stops TypeScript spinning in the check\'s own process, which Mocha\'s timeout cannot interrupt', async () => {
      const run = lab2('spin', { FDLAB_CHECK_DEADLINE_MS: STUCK_DEADLINE_MS });
      expectFailedLab(run, 2, spawnFile);
      expect(run.output).to.match(/the check was stopped after \d+ s in test «lab 2: [^»]+»/);
      expect(run.output).to.include('spinning on the CPU');
      expect(savedVerdict(2).kind).to.equal('hung');
      await expectNothingLeft(run);
    });

    it('names the line that called process.exit(3)', async () => {
      const run = lab2('exit');
      expectFailedLab(run, 2, spawnFile);
      expect(run.output).to.match(/your code called process\.exit\(3\) in hostile \(labs\/02-spawn\/spawn\.ts:\d+\)/);
      await expectNothingLeft(run);
    });

    it('ends the children and grandchildren the code left running (sleep 600, even one in its own session)', async () => {
      const run = lab2('fork');
      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include('lab 2 passes');
      await expectNothingLeft(run);
    });

    it('fails the test whose promise was rejected with nobody to catch it', async () => {
      const run = lab2('reject');
      expectFailedLab(run, 2, spawnFile);
      expect(run.output).to.include('(unhandled promise rejection) nobody awaits this promise');
      expect(savedVerdict(2).kind).to.equal('failed');
      await expectNothingLeft(run);
    });

    it('gives a short, clear verdict when the code runs out of fds (EMFILE)', async () => {
      const run = lab2('emfile', { FDLAB_CHECK_DEADLINE_MS: STUCK_DEADLINE_MS });
      expectFailedLab(run, 2, spawnFile);
      expect(run.output).to.match(/EMFILE|too many open files/i);
      const verdictPart = run.output.slice(run.output.lastIndexOf(`lab 2:`));
      for (const line of verdictPart.split('\n')) expect(line.length, line.slice(0, 200)).to.be.below(1000);
      await expectNothingLeft(run);
    });

    it('blames TypeScript, not C++, when closing Node\'s own fds makes Node abort', async () => {
      const run = lab2('close-node-fds');
      expectFailedLab(run, 2, spawnFile);
      expect(run.output).to.include('SIGABRT').and.include('TypeScript');
      expect(run.output).to.not.include('a bad pointer');
      const verdict = savedVerdict(2);
      expect(verdict.kind === 'crashed' && verdict.signal).to.equal('SIGABRT');
      await expectNothingLeft(run);
    });

    it('reports a type error with its file:line:column and TypeScript\'s words, and fails the lab', async () => {
      const childFile = 'labs/02-spawn/child.ts';
      const child = readFileSync(path(childFile), 'utf8');
      try {
        writeFileSync(path(childFile), `${child}\nexport const typeMistake: number = 'text';\n`);
        const run = lab2('', { FDLAB_CHECK_TYPES: '1' });
        expectFailedLab(run, 2, spawnFile);
        expect(run.output).to.match(/labs\/02-spawn\/child\.ts:\d+:\d+: TS2322: Type 'string' is not assignable to type 'number'/);
        await expectNothingLeft(run);
      } finally {
        writeFileSync(path(childFile), child);
      }
    });

    it('stops the check, with everything it started, on Ctrl-C, and exits 130', async () => {
      const kit = spawn(process.execPath, [...TS_LOADER, 'kit/cli.ts', 'lab', '2'], {
        cwd: copy.dir,
        env: cleanEnv(env('fork', { FDLAB_CHECK_DEADLINE_MS: '600000' })),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const started = new Promise<void>((resolve) => {
        const onData = (chunk: Buffer): void => {
          output += chunk;
          // Mocha prints the suite's title as it starts it.
          if (output.includes('lab 2: spawn')) resolve();
        };
        kit.stdout.on('data', onData);
        kit.stderr.on('data', onData);
      });
      const exited = new Promise<number | null>((resolve) => kit.on('exit', (code) => resolve(code)));
      await started;
      kit.kill('SIGINT');
      const code = await exited;
      expect(code, output).to.equal(130);
      expect(output).to.include("lab 2's check was stopped (Ctrl-C)");
      await expectNothingLeft({ code, stdout: output, output });
    });
  });

  describe('TypeScript that does not load', () => {
    const file = 'labs/09-handoff/handoff.ts';
    let original: string;
    before(() => (original = readFileSync(path(file), 'utf8')));
    afterEach(() => writeFileSync(path(file), original));

    it('reports a syntax error with file:line:column and the compiler\'s words, before any test runs', async () => {
      writeFileSync(path(file), `${original}\nconst broken = ;\n`);
      const run = runKit(copy.dir, ['lab', '9'], env(''));
      expectFailedLab(run, 9, file);
      expect(run.output).to.match(/labs\/09-handoff\/handoff\.ts:\d+:\d+: Unexpected ";"/);
      expect(run.output).to.include('no test ran').and.not.include('passing');
      const verdict = savedVerdict(9);
      expect(verdict.kind === 'compile-error' && verdict.language).to.equal('typescript');
      await expectNothingLeft(run);
    });

    it('reports an import of a name that is not exported, before any test runs', async () => {
      writeFileSync(path(file), `import { notInTheApi } from '../../native/index.ts';\nvoid notInTheApi;\n${original}`);
      const run = runKit(copy.dir, ['lab', '9'], env(''));
      expectFailedLab(run, 9, file);
      expect(run.output).to.include(`${file}:1:10: No matching export in "native/index.ts" for import "notInTheApi"`);
      expect(run.output).to.not.include('passing');
      await expectNothingLeft(run);
    });
  });
});
