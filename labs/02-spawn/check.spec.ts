// Lab 02 check: spawnWithSocket (labs/02-spawn/spawn.ts) and inheritedSocket
// (labs/02-spawn/child.ts). Run it with `make lab-2`.
//
// It runs small Node programs as children. Through your spawnWithSocket, to
// see what the child was given: its fd 3, its environment, its stdio, and
// whether end-of-file reaches the parent when it exits. With stdio and
// environment crafted by the check, to see what your inheritedSocket makes of
// a good socket, a missing or malformed FDLAB_SOCK_FD, a closed fd and a
// pipe. The socketpair and every read come from the reference API; this lab
// is TypeScript only, so the check never loads the labs addon.
//
// See: dup2(2), execve(2), fstat(2), wait(2), unix(7), proc(5).
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants, fstatSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { reapAll, track, type Tracked } from '../../kit/check/children.ts';
import { labContext } from '../../kit/check/context.ts';
import { seededRandom } from '../../kit/check/random.ts';
import { root } from '../../kit/paths.ts';
import { TS_LOADER } from '../../kit/ts-loader.ts';

type SpawnModule = typeof import('../../solutions/02-spawn/spawn.ts');
type ChildModule = typeof import('../../solutions/02-spawn/child.ts');

const lab = labContext(2);
const random = seededRandom();
const spawnFile = lab.file('spawn.ts');
const childFile = lab.file('child.ts');

/** How long a child may take; only a broken lab ever waits this long. */
const CHILD_MS = 15_000;
/** How long to wait for end-of-file that is already due (the child has exited). */
const EOF_MS = 3_000;
const REPORT = 'FDLAB-REPORT ';

// The program spawnWithSocket starts: plain JavaScript, so it starts fast and
// depends on nothing of yours. `report` prints what the child was given;
// `write` writes its argument to fd 3; `same-stdio` exits 20 + n when its
// fd n (0, 1 or 2) is not the file the parent's fd n is (a parent fd that is
// closed is skipped: Node opens /dev/null in its place in every child).
const PROBE = `
const fs = require('node:fs');
const [mode, arg] = process.argv.slice(1);
const link = (fd) => { try { return fs.readlinkSync('/proc/self/fd/' + fd); } catch { return null; } };
if (mode === 'report') {
  let fd3 = null;
  try { const st = fs.fstatSync(3); fd3 = { socket: st.isSocket(), dev: st.dev, ino: st.ino, link: link(3) }; } catch {}
  const links = {};
  for (const fd of fs.readdirSync('/proc/self/fd')) links[fd] = link(fd);
  const report = { sockFd: process.env.FDLAB_SOCK_FD ?? null, mark: process.env.FDLAB_CHECK_MARK ?? null, fd3, links };
  console.log(${JSON.stringify(REPORT)} + JSON.stringify(report));
} else if (mode === 'write') {
  fs.writeSync(3, arg);
} else if (mode === 'same-stdio') {
  const parent = JSON.parse(arg);
  for (const fd of [0, 1, 2]) if (parent[fd] !== null && link(fd) !== parent[fd]) process.exit(20 + fd);
}
`;

interface ProbeReport {
  sockFd: string | null;
  mark: string | null;
  fd3: { socket: boolean; dev: number; ino: number; link: string | null } | null;
  links: Record<string, string | null>;
}

// The program that tries your inheritedSocket with what the check hands it.
function inheritedProbe(): string {
  const url = pathToFileURL(join(root, lab.tree, '02-spawn', 'child.ts')).href;
  return `
import { inheritedSocket } from ${JSON.stringify(url)};
let result;
try {
  const fd = inheritedSocket();
  result = { returned: typeof fd === 'number' ? fd : String(fd) };
} catch (error) {
  result = { threw: true, isError: error instanceof Error, message: error instanceof Error ? error.message : String(error) };
}
console.log(${JSON.stringify(REPORT)} + JSON.stringify(result));
`;
}

interface Outcome {
  returned?: number | string;
  threw?: boolean;
  isError?: boolean;
  message?: string;
}

// ---------------------------------------------------------------- fds

/** An fd the check opened, known by what it points at, so a reused number is never closed by mistake. */
interface Owned {
  fd: number;
  identity: string;
}
const owned: Owned[] = [];

function identityOf(fd: number): string | undefined {
  try {
    const st = fstatSync(fd);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

function own(fd: number): Owned {
  const entry = { fd, identity: identityOf(fd)! };
  owned.push(entry);
  return entry;
}

function stillOpen(entry: Owned): boolean {
  return identityOf(entry.fd) === entry.identity;
}

function linkOf(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** A connected pair from the reference: `ours` stays with the check, `theirs` goes to the child. */
function pair(): { ours: number; theirs: Owned } {
  const [ours, theirs] = lab.reference.socketpair('stream');
  own(ours);
  return { ours, theirs: own(theirs) };
}

/** A real pipe (a FIFO, opened read-write so nothing blocks), its name gone at once. */
function pipeFd(): Owned {
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-lab2-'));
  try {
    const path = join(dir, 'fifo');
    const made = spawnSync('mkfifo', [path], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`mkfifo ${path} failed: ${made.error?.message ?? made.stderr}`);
    return own(openSync(path, constants.O_RDWR));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A random fd number that is not open here, so not in a child either. */
function closedFdNumber(): number {
  for (;;) {
    const fd = random.int(100, 999);
    if (linkOf(fd) === undefined) return fd;
  }
}

// ---------------------------------------------------------------- children

interface Run {
  tracked: Tracked;
  /** Resolves once the child has exited and its stdout and stderr are drained. */
  done(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Tracks a child; a child that outlives CHILD_MS fails the test, naming `file`, with its last output. */
function run(child: ChildProcess, file: string): Run {
  const tracked = track(child);
  return {
    tracked,
    done: () =>
      tracked
        .finished(CHILD_MS)
        .catch((error: unknown) => lab.fail(messageOf(error), 'a child that runs the command and args it was given, and exits on its own', file)),
  };
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

function reportIn<T>(r: Run): T | undefined {
  const line = r.tracked
    .output()
    .split('\n')
    .find((l) => l.startsWith(REPORT));
  return line === undefined ? undefined : (JSON.parse(line.slice(REPORT.length)) as T);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------- your files

async function load<T>(name: 'spawn.ts' | 'child.ts'): Promise<T> {
  try {
    return (await import(`../../${lab.tree}/02-spawn/${name}`)) as T;
  } catch (error) {
    return lab.fail(`${lab.file(name)} does not load: ${messageOf(error)}`, 'a file that Node can import', lab.file(name));
  }
}

function failIfNotWritten(error: unknown, fn: string, file: string): void {
  if (messageOf(error).includes('not written yet')) {
    lab.fail(`${fn} is not written yet (it throws "${messageOf(error)}").`, `the TODO(lab 2) in ${file} done`, file);
  }
}

/** Calls your spawnWithSocket, and fails with what it threw, if it did. */
async function spawnMine(
  command: string,
  args: readonly string[],
  childEnd: Owned,
  options?: { stdio?: 'inherit' | 'pipe' | 'ignore'; env?: NodeJS.ProcessEnv },
): Promise<Run> {
  const { spawnWithSocket } = await load<SpawnModule>('spawn.ts');
  let child: ChildProcess;
  try {
    child = spawnWithSocket(command, args, childEnd.fd, options);
  } catch (error) {
    failIfNotWritten(error, 'spawnWithSocket', spawnFile);
    const code = (error as { code?: string }).code;
    return lab.fail(
      `spawnWithSocket threw: ${messageOf(error)}`,
      code === 'EBADF'
        ? `no EBADF: the fd given in stdio must still be open when spawn runs (close childEnd after spawn, in a finally)`
        : 'it to start the child and return the ChildProcess that spawn gives you',
    );
  }
  lab.require(
    typeof child === 'object' && child !== null && typeof child.once === 'function',
    `spawnWithSocket returned ${String(child)}.`,
    'the ChildProcess that spawn returns',
  );
  return run(child, spawnFile);
}

/** Starts the probe through your spawnWithSocket with stdio 'pipe', and returns its report. */
async function probeReport(childEnd: Owned, env?: NodeJS.ProcessEnv): Promise<ProbeReport> {
  const r = await spawnMine(process.execPath, ['-e', PROBE, 'report'], childEnd, { stdio: 'pipe', env });
  lab.require(
    r.tracked.child.stdout !== null,
    `the child's stdout is not a pipe to the parent, though stdio: 'pipe' was asked for.`,
    `options.stdio (default 'inherit') as the child's fds 0, 1 and 2: stdio [s, s, s, childEnd]`,
  );
  const exit = await r.done();
  const report = reportIn<ProbeReport>(r);
  if (report === undefined) {
    lab.fail(
      `the child ${describeExit(exit)} without reporting what it was given; its output:\n    ${r.tracked.lastOutput()}`,
      `the command and args passed to spawn unchanged`,
    );
  }
  return report!;
}

/** Runs your inheritedSocket in a child started by the check with `stdio` and FDLAB_SOCK_FD=`sockFd`. */
async function inheritedSocketWith(stdio: StdioOptions, sockFd: string | undefined): Promise<Outcome> {
  await load<ChildModule>('child.ts'); // a file that does not load fails here, named, not in the child
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.FDLAB_SOCK_FD;
  delete env.FDLAB_TREE; // the reference addon, whatever the shell says
  if (sockFd !== undefined) env.FDLAB_SOCK_FD = sockFd;
  const r = run(
    spawn(process.execPath, [...TS_LOADER, '--input-type=module', '-e', inheritedProbe()], { cwd: root, stdio, env }),
    childFile,
  );
  const exit = await r.done();
  const outcome = reportIn<Outcome>(r);
  if (outcome === undefined) {
    lab.fail(
      `the child calling inheritedSocket() ${describeExit(exit)} before it could return or throw; its output:\n    ${r.tracked.lastOutput()}`,
      'inheritedSocket() to return the fd or throw an Error (never process.exit: the caller decides)',
      childFile,
    );
  }
  if (outcome!.threw) failIfNotWritten(outcome!.message, 'inheritedSocket', childFile);
  return outcome!;
}

/** Fails unless inheritedSocket threw an Error naming FDLAB_SOCK_FD and each of `mentions`. */
function requireClearError(outcome: Outcome, situation: string, fix: string, mentions: string[] = []): void {
  if (!outcome.threw) {
    lab.fail(`${situation}, inheritedSocket() returned ${JSON.stringify(outcome.returned)}.`, `it to throw an Error: ${fix}`, childFile);
  }
  lab.require(outcome.isError === true, `${situation}, inheritedSocket() threw ${outcome.message}, which is not an Error.`, 'throw new Error(...)', childFile);
  const message = outcome.message ?? '';
  const missing = ['FDLAB_SOCK_FD', ...mentions].filter((word) => !message.includes(word));
  lab.require(
    missing.length === 0,
    `${situation}, inheritedSocket() threw "${message}", which does not say ${missing.map((w) => JSON.stringify(w)).join(' or ')}.`,
    `a message that names the variable (SOCK_FD_ENV) and says what is wrong: ${fix}`,
    childFile,
  );
}

// ---------------------------------------------------------------- the check

describe('lab 2: spawn with the socket as fd 3 (spawn.ts, child.ts)', function () {
  this.timeout(45_000);

  afterEach(async () => {
    await reapAll();
    for (const entry of owned.splice(0)) {
      if (stillOpen(entry)) lab.reference.closeFd(entry.fd);
    }
    delete process.env.FDLAB_CHECK_MARK;
  });

  describe('spawnWithSocket (spawn.ts)', () => {
    it('starts the child with the socket as its fd 3: the same socket, and only that end', async () => {
      const { ours, theirs } = pair();
      const socket = fstatSync(theirs.fd);
      const parentEnd = `socket:[${fstatSync(ours).ino}]`;
      const report = await probeReport(theirs);
      const fd3 = report.fd3;
      lab.require(fd3 !== null, `the child has no fd 3 at all.`, 'childEnd at index 3 of the stdio array: [s, s, s, childEnd]');
      lab.require(
        fd3!.socket,
        `the child's fd 3 is ${fd3!.link}, not a socket.`,
        'childEnd (the number) at index 3 of the stdio array',
      );
      lab.require(
        fd3!.dev === socket.dev && fd3!.ino === socket.ino,
        `the child's fd 3 is ${fd3!.link}, a socket, but not the one you were given (socket:[${socket.ino}]).`,
        `the fd number childEnd itself at index 3 of the stdio array ('pipe' there makes a new socket)`,
      );
      const leaked = Object.entries(report.links).find(([, link]) => link === parentEnd);
      lab.require(
        leaked === undefined,
        `the child also has the parent's end of the pair open, at its fd ${leaked?.[0]}: it holds both ends.`,
        'only childEnd in the stdio array; the parent keeps its own end',
      );
    });

    it('tells the child where: FDLAB_SOCK_FD=3, added to the environment it inherits', async () => {
      const { theirs } = pair();
      const mark = `mark-${random.int(0, 2 ** 30).toString(16)}`;
      process.env.FDLAB_CHECK_MARK = mark;
      const report = await probeReport(theirs);
      lab.require(
        report.sockFd === '3',
        report.sockFd === null ? `the child has no FDLAB_SOCK_FD in its environment.` : `the child has FDLAB_SOCK_FD=${JSON.stringify(report.sockFd)}.`,
        `FDLAB_SOCK_FD=3 in the env given to spawn: { ...env, [SOCK_FD_ENV]: String(CHILD_SOCK_FD) }`,
      );
      lab.require(
        report.mark === mark,
        `the child did not get the parent's environment (FDLAB_CHECK_MARK=${mark} in process.env was missing).`,
        'with no options.env, the child gets process.env plus FDLAB_SOCK_FD',
      );
      lab.require(
        process.env.FDLAB_SOCK_FD === undefined,
        `spawnWithSocket set FDLAB_SOCK_FD in the parent's own process.env: every later child would inherit it.`,
        'a new env object for the child; process.env left as it was',
      );
    });

    it('uses options.env when given, without changing it or the parent\'s environment', async () => {
      const { theirs } = pair();
      const mark = `mark-${random.int(0, 2 ** 30).toString(16)}`;
      const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, FDLAB_CHECK_MARK: mark };
      const given = JSON.stringify(env);
      const report = await probeReport(theirs, env);
      lab.require(
        report.mark === mark,
        `the child did not get the options.env it was given (FDLAB_CHECK_MARK=${mark} was missing).`,
        'options.env, when given, as the base of the child\'s environment',
      );
      lab.require(report.sockFd === '3', `with options.env, the child has FDLAB_SOCK_FD=${JSON.stringify(report.sockFd)}.`, 'FDLAB_SOCK_FD=3 added to options.env');
      lab.require(
        JSON.stringify(env) === given,
        `spawnWithSocket changed the caller's options.env object (now ${JSON.stringify(env)}).`,
        'a new object for the child: { ...(options.env ?? process.env), ... }',
      );
      lab.require(process.env.FDLAB_SOCK_FD === undefined, `spawnWithSocket set FDLAB_SOCK_FD in the parent's own process.env.`, 'process.env left as it was');
    });

    it('gives the child the parent\'s stdin, stdout and stderr by default', async () => {
      const { theirs } = pair();
      const parent = [0, 1, 2].map((fd) => linkOf(fd) ?? null);
      const r = await spawnMine(process.execPath, ['-e', PROBE, 'same-stdio', JSON.stringify(parent)], theirs);
      const exit = await r.done();
      const fd = (exit.code ?? 0) - 20;
      lab.require(
        !(fd >= 0 && fd <= 2),
        `with no stdio option, the child's fd ${fd} is not the parent's fd ${fd} (${parent[fd]}).`,
        `stdio 'inherit' for fds 0, 1 and 2 when options.stdio is not given`,
      );
      lab.require(exit.code === 0, `the child ${describeExit(exit)}; its output:\n    ${r.tracked.lastOutput()}`, 'the command and args passed to spawn unchanged');
    });

    it('closes the parent\'s copy of the child\'s end before it returns', async () => {
      const { theirs } = pair();
      await spawnMine(process.execPath, ['-e', PROBE, 'report'], theirs, { stdio: 'ignore' });
      // Looked at at once, before anything else can reuse the number.
      const link = linkOf(theirs.fd);
      lab.require(
        !stillOpen(theirs),
        `after spawnWithSocket returned, the parent still has fd ${theirs.fd} (${link}), the child's end, open.`,
        'closeFd(childEnd) once spawn has returned: the child has its own copy now',
      );
    });

    it('lets the child write to the parent: what it writes to fd 3 arrives at the parent\'s end', async () => {
      const { ours, theirs } = pair();
      const text = `hello from child ${random.int(0, 2 ** 30).toString(16)}`;
      const r = await spawnMine(process.execPath, ['-e', PROBE, 'write', text], theirs, { stdio: 'pipe' });
      let got = '';
      try {
        while (got.length < text.length) {
          const message = await lab.reference.recvFds(ours, { timeoutMs: CHILD_MS });
          if (message === null) break;
          got += message.data.toString();
        }
      } catch (error) {
        lab.fail(
          `nothing arrived at the parent's end of the pair (${messageOf(error)}); the child's output:\n    ${r.tracked.lastOutput()}`,
          `the child writing "${text}" to its fd 3, the pair's other end`,
        );
      }
      lab.require(
        got === text,
        got === ''
          ? `the child's end closed before anything arrived; the child's output:\n    ${r.tracked.lastOutput()}`
          : `the parent read "${got}".`,
        `"${text}", written by the child to its fd 3`,
      );
      await r.done();
    });

    it('delivers end-of-file to the parent when the child exits (recv returns null, not a timeout)', async () => {
      const { ours, theirs } = pair();
      const r = await spawnMine(process.execPath, ['-e', PROBE, 'write', 'bye'], theirs, { stdio: 'pipe' });
      const exit = await r.done();
      lab.require(exit.code === 0, `the child ${describeExit(exit)}; its output:\n    ${r.tracked.lastOutput()}`, 'a child that writes to its fd 3 and exits 0');
      // The child is gone, so its copy of the end is closed: end-of-file is
      // due now, unless another copy is still open somewhere.
      let message;
      do {
        try {
          message = await lab.reference.recvFds(ours, { timeoutMs: EOF_MS });
        } catch (error) {
          if ((error as { code?: string }).code !== 'ETIMEDOUT') throw error;
          lab.fail(
            `the child has exited, yet reading the parent's end timed out instead of returning end-of-file (null). ` +
              `Some copy of the child's end is still open: the parent's own fd ${theirs.fd}` +
              (stillOpen(theirs) ? ', which is still open.' : '.'),
            'closeFd(childEnd) in spawnWithSocket: the kernel signals EOF only when every copy of the child\'s end is closed',
          );
        }
      } while (message !== null);
    });

    it('leaves no zombie: the child is reaped once it exits', async () => {
      const { theirs } = pair();
      const r = await spawnMine(process.execPath, ['-e', PROBE, 'write', 'bye'], theirs, { stdio: 'pipe' });
      const pid = r.tracked.child.pid;
      lab.require(pid !== undefined, `the child has no pid: it never started; its output:\n    ${r.tracked.lastOutput()}`, 'a started child');
      await r.done(); // 'exit' is emitted after libuv's waitpid() collected the child
      let state: string | undefined;
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      } catch {
        state = undefined; // gone: reaped
      }
      lab.require(state !== 'Z', `the child (pid ${pid}) exited but is a zombie: nobody waited for it.`, 'the ChildProcess from spawn, whose exit libuv collects with waitpid(2)');
    });

    it('closes the parent\'s copy even when the spawn fails, and lets the error through', async () => {
      const { spawnWithSocket } = await load<SpawnModule>('spawn.ts');
      // A command with a NUL byte: spawn throws before it starts anything.
      const bad = pair().theirs;
      let thrown: unknown;
      let returned: ChildProcess | undefined;
      try {
        returned = spawnWithSocket('fdlab\0no-such-program', [], bad.fd, { stdio: 'ignore' });
      } catch (error) {
        thrown = error;
      }
      if (returned !== undefined) run(returned, spawnFile);
      failIfNotWritten(thrown, 'spawnWithSocket', spawnFile);
      lab.require(
        thrown !== undefined,
        `spawnWithSocket returned, though spawn threw (its command has a NUL byte).`,
        `spawn's error to reach the caller: try { return spawn(...) } finally { closeFd(childEnd) }`,
      );
      lab.require(
        (thrown as { code?: string }).code === 'ERR_INVALID_ARG_VALUE',
        `spawnWithSocket threw "${messageOf(thrown)}" instead of spawn's own error.`,
        `spawn's error, unchanged (ERR_INVALID_ARG_VALUE): a finally, not a catch`,
      );
      lab.require(
        !stillOpen(bad),
        `spawn threw and spawnWithSocket left fd ${bad.fd}, the child's end, open in the parent.`,
        'closeFd(childEnd) in a finally, so it runs when spawn throws too',
      );

      // A program that does not exist: spawn returns, and reports ENOENT later.
      const missing = pair().theirs;
      const r = await spawnMine('/nonexistent/fdlab-no-such-program', [], missing, { stdio: 'ignore' });
      lab.require(
        !stillOpen(missing),
        `for a program that does not exist, spawnWithSocket left fd ${missing.fd}, the child's end, open in the parent.`,
        'closeFd(childEnd) whatever spawn did',
      );
      await r.done();
    });
  });

  describe('inheritedSocket (child.ts)', () => {
    it('returns the fd FDLAB_SOCK_FD names when a socket is there', async () => {
      const { theirs } = pair();
      const at = random.int(3, 9);
      const stdio: StdioOptions = ['ignore', 'pipe', 'pipe', ...Array<'ignore'>(at - 3).fill('ignore'), theirs.fd];
      const outcome = await inheritedSocketWith(stdio, String(at));
      lab.require(
        !outcome.threw,
        `with a socket at fd ${at} and FDLAB_SOCK_FD=${at}, inheritedSocket() threw "${outcome.message}".`,
        `it to return ${at}`,
        childFile,
      );
      lab.require(
        outcome.returned === at,
        `with a socket at fd ${at} and FDLAB_SOCK_FD=${at}, inheritedSocket() returned ${JSON.stringify(outcome.returned)}.`,
        `${at}: the number FDLAB_SOCK_FD gives, as a number (not always 3)`,
        childFile,
      );
    });

    it('throws a clear error when FDLAB_SOCK_FD is not set', async () => {
      const { theirs } = pair();
      const outcome = await inheritedSocketWith(['ignore', 'pipe', 'pipe', theirs.fd], undefined);
      requireClearError(
        outcome,
        'with a socket at fd 3 but no FDLAB_SOCK_FD',
        'a program started without FDLAB_SOCK_FD was not started by spawnWithSocket; do not guess fd 3',
      );
    });

    // Each of these is a parse that lands on a real fd: the socket is at
    // fds 0 and 3 in the child, so only rejecting the text itself passes.
    const malformed: [string, string][] = [
      ['', "Number('') is 0"],
      ['three', "Number('three') is NaN"],
      ['3x', "parseInt('3x') is 3"],
      ['0x3', "Number('0x3') is 3"],
      ['3.0', "Number('3.0') is 3"],
    ];
    for (const [value, trap] of malformed) {
      it(`throws a clear error when FDLAB_SOCK_FD=${JSON.stringify(value)}, which is not an fd number (${trap})`, async () => {
        const { theirs } = pair();
        const outcome = await inheritedSocketWith([theirs.fd, 'pipe', 'pipe', theirs.fd], value);
        requireClearError(
          outcome,
          `with FDLAB_SOCK_FD=${JSON.stringify(value)}`,
          `accept digits only (/^\\d+$/) before turning the text into a number: ${trap}`,
        );
      });
    }

    it('throws a clear error when the fd FDLAB_SOCK_FD names is not open', async () => {
      const fd = closedFdNumber();
      const outcome = await inheritedSocketWith(['ignore', 'pipe', 'pipe'], String(fd));
      requireClearError(
        outcome,
        `with FDLAB_SOCK_FD=${fd} and no fd ${fd} in the child`,
        `fstatSync(fd) throws EBADF: catch it and say that fd ${fd} is not open`,
        [String(fd)],
      );
    });

    it('throws a clear error when the fd is not a socket (a pipe at fd 3)', async () => {
      const pipe = pipeFd();
      const outcome = await inheritedSocketWith(['ignore', 'pipe', 'pipe', pipe.fd], '3');
      requireClearError(
        outcome,
        'with a pipe at fd 3 and FDLAB_SOCK_FD=3',
        'fstatSync(fd).isSocket() is false for a pipe: say that fd 3 is not a socket',
        ['3', 'socket'],
      );
    });
  });

  describe('together', () => {
    it('a child started by spawnWithSocket finds its socket with inheritedSocket() and writes to the parent', async () => {
      const { ours, theirs } = pair();
      const text = `hello from child ${random.int(0, 2 ** 30).toString(16)}`;
      const url = pathToFileURL(join(root, lab.tree, '02-spawn', 'child.ts')).href;
      const program = `
import { writeSync } from 'node:fs';
import { inheritedSocket } from ${JSON.stringify(url)};
writeSync(inheritedSocket(), process.argv[1]);
`;
      const r = await spawnMine(process.execPath, [...TS_LOADER, '--input-type=module', '-e', program, text], theirs, {
        stdio: 'pipe',
      });
      let got = '';
      let message;
      try {
        do {
          message = await lab.reference.recvFds(ours, { timeoutMs: CHILD_MS });
          if (message !== null) got += message.data.toString();
        } while (message !== null);
      } catch (error) {
        lab.fail(
          `reading the parent's end failed (${messageOf(error)}); the child's output:\n    ${r.tracked.lastOutput()}`,
          `"${text}" from the child, then end-of-file`,
          `${spawnFile}, ${childFile}`,
        );
      }
      const exit = await r.done();
      lab.require(
        got === text && exit.code === 0,
        `the parent read ${JSON.stringify(got)} and the child ${describeExit(exit)}; its output:\n    ${r.tracked.lastOutput()}`,
        `"${text}", written by the child to the fd inheritedSocket() returned, and exit code 0`,
        `${spawnFile}, ${childFile}`,
      );
    });
  });
});
