// The native build as a learner meets it (kit/build.ts), and the frame's
// crash marker (native/frame/crash_reporter.cc), in a throwaway copy of the
// project: builds wait for each other, a deleted source is never a stale
// pass, a link error, a compile error and a warning are each named with the
// learner's file, and a fatal signal is reported on the check's channel.
//
// See: flock(1), dlopen(3), sigaction(2).
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildOutcome } from '../kit/build.ts';
import { cleanEnv } from './fixtures/learner-copy.ts';
import { processState } from './support/processes.ts';
import { copyProject, type ProjectCopy } from './support/project-copy.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

/**
 * Far above any build on a loaded 2-core machine (a first build of both
 * trees has taken 4 minutes there); a hang ends here, as a failure.
 */
const BUILD_DEADLINE_MS = 900_000;

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  pid: number;
}

const started: number[] = [];

/** A child in the copy, in a process group of its own, killed with it (and the test failed) if it outlives the deadline. */
function run(
  copy: ProjectCopy,
  args: string[],
  options: { onOutput?: (text: string) => void; env?: NodeJS.ProcessEnv; channel?: boolean } = {},
): {
  child: ChildProcess;
  done: Promise<Finished & { channel: string }>;
} {
  const child = spawn(args[0]!, args.slice(1), {
    cwd: copy.dir,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe', ...(options.channel ? ['pipe' as const] : [])],
    detached: true,
  });
  started.push(child.pid!);
  let output = '';
  let channel = '';
  const collect = (chunk: Buffer) => {
    output += chunk;
    options.onOutput?.(output);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  if (options.channel) (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => (channel += chunk));
  const done = new Promise<Finished & { channel: string }>((resolve, reject) => {
    const deadline = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`${args.join(' ')} did not end within ${BUILD_DEADLINE_MS} ms:\n${output}`));
    }, BUILD_DEADLINE_MS);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, output, pid: child.pid!, channel });
    });
  });
  return { child, done };
}

/** The processes still in process group pgid (from /proc/<pid>/stat's 5th field). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // gone while we looked
    }
  }
  return members;
}

const kitBuild = (copy: ProjectCopy, tree = 'labs') => run(copy, [process.execPath, ...TS_LOADER, 'kit/build.ts', tree]);

/** buildTree('labs') in the copy, its outcome as JSON on stdout. */
async function outcomeIn(copy: ProjectCopy): Promise<BuildOutcome> {
  const script = "import { buildTree } from './kit/build.ts'; console.log(JSON.stringify(buildTree('labs')));";
  const finished = await run(copy, [process.execPath, ...TS_LOADER, '--input-type=module', '-e', script]).done;
  expect(finished.code, finished.output).to.equal(0);
  return JSON.parse(finished.output.trim().split('\n').pop()!) as BuildOutcome;
}

/** Replaces a lab file's text for one test, and puts it back (with a new mtime: a rebuild). */
function editLab(copy: ProjectCopy, file: string, edit: (text: string) => string): () => void {
  const path = join(copy.dir, file);
  const untouched = readFileSync(path);
  writeFileSync(path, edit(untouched.toString()));
  return () => writeFileSync(path, untouched);
}

/** The 1-based line of the first line of text containing marker. */
const lineOf = (text: string, marker: string): number => text.split('\n').findIndex((line) => line.includes(marker)) + 1;

describe('the native build (kit/build.ts) and the crash marker, in a copy of the project', function () {
  this.timeout(BUILD_DEADLINE_MS * 2);
  let copy: ProjectCopy;
  const labsAddon = () => join(copy.dir, 'native/trees/labs/build/Release/fdlab_labs.node');

  before(async () => {
    // Seeded with this checkout's builds: each test is about what a rebuild
    // after its own edit does (a first build is test/84's, and CI's make setup).
    copy = copyProject({ seedBuilds: ['solutions', 'labs'] });
    const built = await kitBuild(copy, 'all').done;
    expect(built.code, built.output).to.equal(0);
  });

  afterEach(() => {
    for (const pid of started.splice(0)) expect(processState(pid), `pid ${pid}`).to.equal('gone');
  });

  after(() => {
    const dir = copy?.dir;
    copy?.remove();
    if (dir !== undefined) expect(existsSync(dir), dir).to.equal(false);
  });

  describe('locking', () => {
    it('two builds at once wait for each other, say so once, and both succeed', async () => {
      // Hold the labs tree's lock as a build would, so both builds must wait.
      const lockFile = join(copy.dir, 'native/trees/labs/build/fdlab-build.lock');
      const lock = openSync(lockFile, 'a+');
      let released = false;
      try {
        const held = spawnSync('flock', ['--exclusive', '--nonblock', '3'], { stdio: ['ignore', 'ignore', 'pipe', lock] });
        expect(held.status, String(held.stderr)).to.equal(0);
        writeFileSync(lockFile, `${process.pid}\n`);
        const sourceFile = join(copy.dir, 'labs/01-socketpair/socketpair.cc');
        const later = new Date(statSync(sourceFile).mtimeMs + 2000);
        utimesSync(sourceFile, later, later);

        const waiting = `fdlab: waiting for another build of the labs tree (pid ${process.pid})`;
        let bothWaiting: () => void;
        const seen = new Promise<void>((resolve) => (bothWaiting = resolve));
        const outputs = new Map<number, string>();
        const onOutput = (i: number) => (text: string) => {
          outputs.set(i, text);
          if ([0, 1].every((j) => outputs.get(j)?.includes(waiting))) bothWaiting();
        };
        const builds = [0, 1].map((i) => run(copy, [process.execPath, ...TS_LOADER, 'kit/build.ts', 'labs'], { onOutput: onOutput(i) }));
        const ended = Promise.all(builds.map((b) => b.done));
        // Either both are waiting, or one ended early: that is a failure, shown with its output.
        await Promise.race([seen, ended.then((runs) => expect.fail(`a build did not wait:\n${runs.map((r) => r.output).join('\n')}`))]);
        closeSync(lock);
        released = true;

        for (const finished of await ended) {
          expect(finished.code, finished.output).to.equal(0);
          expect(finished.output.split(waiting).length - 1, finished.output).to.equal(1);
          expect(finished.output).to.not.match(/gyp ERR|does not compile/);
        }
      } finally {
        if (!released) closeSync(lock);
      }
    });

    it('a build killed while holding the lock does not keep the next one waiting', async () => {
      const sourceFile = join(copy.dir, 'labs/01-socketpair/socketpair.cc');
      const later = new Date(statSync(sourceFile).mtimeMs + 2000);
      utimesSync(sourceFile, later, later);
      const waiting = 'waiting for another build';
      let holdsLock: () => void;
      const building = new Promise<void>((resolve) => (holdsLock = resolve));
      // The lock file holds the owner's pid once the lock is taken.
      const lockFile = join(copy.dir, 'native/trees/labs/build/fdlab-build.lock');
      const first = run(copy, [process.execPath, ...TS_LOADER, 'kit/build.ts', 'labs']);
      const poll = setInterval(() => {
        if (existsSync(lockFile) && readFileSync(lockFile, 'utf8').trim() === String(first.child.pid)) holdsLock();
      }, 20);
      try {
        await Promise.race([building, first.done.then((r) => expect.fail(`the build ended before it was killed:\n${r.output}`))]);
      } finally {
        clearInterval(poll);
      }
      // Its whole process group, node-gyp and the compiler included, as Ctrl-C would.
      process.kill(-first.child.pid!, 'SIGKILL');
      await first.done;
      for (let tries = 0; groupMembers(first.child.pid!).length > 0; tries++) {
        expect(tries, 'the killed build\'s processes are gone').to.be.below(500);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const second = await kitBuild(copy).done;
      expect(second.code, second.output).to.equal(0);
      expect(second.output).to.not.include(waiting);
    });
  });

  describe('what the build blames', () => {
    it('a deleted lab source is a rebuild that fails, naming the file, never a stale pass', async () => {
      const file = 'labs/08-cloexec/cloexec.cc';
      const moved = join(copy.dir, `${file}.moved`);
      renameSync(join(copy.dir, file), moved);
      try {
        const outcome = await outcomeIn(copy);
        expect(outcome.ok).to.equal(false);
        if (outcome.ok) return;
        expect(outcome.kind).to.equal('missing-source');
        expect(outcome.files).to.deep.equal([file]);
        expect(outcome.text).to.include(`${file} (lab 8) is missing (deleted or renamed?)`).and.include('make reset-8');

        const check = await run(copy, [process.execPath, ...TS_LOADER, 'kit/cli.ts', 'lab', '1']).done;
        expect(check.code, check.output).to.not.equal(0);
        expect(check.output).to.include(`${file} (lab 8) is missing`);
        expect(check.output).to.not.match(/passes|Well done/);
      } finally {
        renameSync(moved, join(copy.dir, file));
      }
    });

    it('a call to an undefined function is a link error at build time, with the file and the readable name; no check runs', async () => {
      const file = 'labs/03-sendmsg/sendmsg.cc';
      const restore = editLab(copy, file, (text) => `${text}\nint fdlab_helper(int);\nint fdlab_uses_helper(int x) { return fdlab_helper(x) + 1; }\n`);
      try {
        const outcome = await outcomeIn(copy);
        expect(outcome.ok).to.equal(false);
        if (outcome.ok) return;
        expect(outcome.kind).to.equal('link');
        expect(outcome.files).to.deep.equal([file]);
        expect(outcome.text).to.include(`${file} calls \`fdlab_helper(int)\`, which is declared but defined nowhere (a link error)`);
        expect(outcome.text).to.not.match(/_Z\d+/);
        expect(existsSync(labsAddon()), 'the labs addon counts as not built').to.equal(false);

        const check = await run(copy, [process.execPath, ...TS_LOADER, 'kit/cli.ts', 'lab', '3']).done;
        expect(check.code, check.output).to.not.equal(0);
        expect(check.output).to.include('which is declared but defined nowhere');
        expect(check.output, 'no test ran').to.not.include('symbol lookup error');
        expect(check.output, 'no test ran: the kit counts the lab as one failure').to.match(/^0 passed, 1 failed$/m);
      } finally {
        restore();
      }
    });

    it('a compile error in lab 3\'s file is reported against that file, with its line, whichever lab is checked', async () => {
      const file = 'labs/03-sendmsg/sendmsg.cc';
      let line = 0;
      const restore = editLab(copy, file, (text) => {
        const broken = `${text}\nint fdlab_broken() { return not_declared_anywhere; }\n`;
        line = lineOf(broken, 'not_declared_anywhere');
        return broken;
      });
      try {
        const outcome = await outcomeIn(copy);
        expect(outcome.ok).to.equal(false);
        if (outcome.ok) return;
        expect(outcome.kind).to.equal('compile');
        expect(outcome.files).to.deep.equal([file]);
        expect(outcome.diagnostics[0]).to.include({ file, line, severity: 'error' });
        expect(outcome.diagnostics[0]!.message).to.include('not_declared_anywhere');
        expect(outcome.text).to.include(`${file} (lab 3) does not compile`).and.include(`${file}:${line}:`);
        expect(outcome.text).to.not.include('labs/01-socketpair/socketpair.cc');
      } finally {
        restore();
      }
    });

    it('warnings on the learner\'s file are shown after a successful build, one line each, with file:line', async () => {
      const file = 'labs/01-socketpair/socketpair.cc';
      let unusedLine = 0;
      let memcpyLine = 0;
      const restore = editLab(copy, file, (text) => {
        const warned =
          `#include <string.h>\n${text}\n` +
          'int fdlab_overrun(const long *src) {\n  int small = 0;\n  memcpy(&small, src, sizeof(long));\n  int unused = 1;\n  return small;\n}\n';
        unusedLine = lineOf(warned, 'int unused');
        memcpyLine = lineOf(warned, 'memcpy(&small');
        return warned;
      });
      try {
        const outcome = await outcomeIn(copy);
        expect(outcome.ok, JSON.stringify(outcome)).to.equal(true);
        if (!outcome.ok) return;
        const at = outcome.warnings.map((w) => `${w.file}:${w.line}`);
        expect(at).to.include(`${file}:${unusedLine}`).and.include(`${file}:${memcpyLine}`);
        expect(outcome.warnings.every((w) => w.file.startsWith('labs/')), 'never the frame').to.equal(true);

        // The kit repeats them while the file is unchanged, before the check's own output.
        const check = await run(copy, [process.execPath, ...TS_LOADER, 'kit/cli.ts', 'lab', '1']).done;
        expect(check.output).to.match(new RegExp(`^  ${file}:${unusedLine}:\\d+: unused variable`, 'm'));
        expect(check.output).to.match(new RegExp(`^  ${file}:${memcpyLine}:\\d+: .*out of the bounds`, 'm'));
      } finally {
        restore();
      }
    });
  });

  describe('the crash marker (FDLAB_CHECK_CHANNEL)', () => {
    // Loads the labs addon in a child with the channel as its fd 3, and no core file.
    const crashChild = (script: string) =>
      run(copy, ['bash', '-c', 'ulimit -c 0 && exec "$0" -e "$1"', process.execPath, script], { env: { FDLAB_CHECK_CHANNEL: '3' }, channel: true });

    it('a NULL dereference in a lab function: the child dies by SIGSEGV, and the channel names the function and file', async () => {
      const file = 'labs/01-socketpair/socketpair.cc';
      const restore = editLab(copy, file, (text) =>
        text.replace(/int fdlab_socketpair\(int type, int fds\[2\]\) \{/, '$&\n  *(volatile int *)nullptr = type;'),
      );
      try {
        expect(readFileSync(join(copy.dir, file), 'utf8')).to.include('nullptr = type');
        const built = await kitBuild(copy).done;
        expect(built.code, built.output).to.equal(0);
        const crashed = await crashChild(`require(${JSON.stringify(labsAddon())}).socketpair(1)`).done;
        expect(crashed.signal, crashed.output).to.equal('SIGSEGV');
        expect(crashed.channel.split('\n').filter(Boolean).map((line) => JSON.parse(line))).to.deep.equal([
          { event: 'crash-in', function: 'fdlab_socketpair', file },
        ]);
      } finally {
        restore();
      }
    });

    it('SIGABRT from JavaScript (process.abort()) is reported as outside any lab function', async () => {
      const crashed = await crashChild(`require(${JSON.stringify(labsAddon())}); process.abort()`).done;
      expect(crashed.signal, crashed.output).to.equal('SIGABRT');
      expect(crashed.channel).to.equal('{"event":"crash-outside-lab"}\n');
    });
  });
});
