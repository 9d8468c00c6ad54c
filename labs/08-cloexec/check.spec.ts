// Lab 08 check: fdlab_set_cloexec (labs/08-cloexec/cloexec.cc) and
// readFdTable, closeOnExecFrom, spawnGrandchild and prepareForSpawn
// (labs/08-cloexec/leak.ts). Run it with `make lab-8`.
//
// Your C++ is called directly through the labs addon and judged by what
// /proc/self/fdinfo says. Your TypeScript runs in this process (against the
// reference C++), and then for real, three generations deep: the check sends
// a secret file and a socket to a middle process running your leak.ts, the
// middle starts a grandchild, and the grandchild (a small program of the
// check's) lists its own /proc/self/fd. Which fds it holds is the verdict.
//
// See: fcntl(2) (FD_CLOEXEC), execve(2), dup2(2), proc(5) (/proc/pid/fd,
// /proc/pid/fdinfo), recvmsg(2) (MSG_CMSG_CLOEXEC).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBonus } from '../../native/bonus.ts';
import { reapAll, track, type Tracked } from '../../kit/check/children.ts';
import { labContext } from '../../kit/check/context.ts';
import { fdFlags, fileIdentity, isOpen } from '../../kit/check/fds.ts';
import { seededRandom } from '../../kit/check/random.ts';
import { readFdTable as referenceFdTable } from '../../kit/fd-table.ts';
import { root } from '../../kit/paths.ts';
import { TS_LOADER } from '../../kit/ts-loader.ts';

type LeakModule = typeof import('../../solutions/08-cloexec/leak.ts');

const lab = labContext(8);
const random = seededRandom();
const ccFile = lab.file('cloexec.cc');
const leakFile = lab.file('leak.ts');
const reference = openBonus('solutions');

/** How long a child may take; only a broken lab ever waits this long. */
const CHILD_MS = 15_000;
const REPORT = 'FDLAB-REPORT ';

// The grandchild: lists its own /proc/self/fd (what each fd points at, and
// the dev:inode that identifies the object), then writes to the fd its
// parent said it handed on.
const GRANDCHILD = `
const fs = require('node:fs');
const table = [];
for (const name of fs.readdirSync('/proc/self/fd')) {
  try {
    const target = fs.readlinkSync('/proc/self/fd/' + name);
    const st = fs.statSync('/proc/self/fd/' + name);
    table.push({ fd: Number(name), target, identity: st.dev + ':' + st.ino });
  } catch {}
}
const handed = process.env.FDLAB_HANDED_FD ?? null;
console.log(${JSON.stringify(REPORT)} + JSON.stringify({ handed, table }));
if (handed !== null && /^\\d+$/.test(handed)) {
  try { fs.writeSync(Number(handed), 'hello from the grandchild'); } catch {}
}
`;

interface GrandchildFd {
  fd: number;
  target: string;
  identity: string;
}
interface GrandchildReport {
  handed: string | null;
  table: GrandchildFd[];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The file status flags (per open file) of fd, from /proc/self/fdinfo. */
function statusFlags(fd: number): number {
  const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  return parseInt(/^flags:\s+(\d+)/m.exec(info)![1]!, 8) & ~0o2000000;
}

// ---------------------------------------------------------------- fds and files the check owns

const toClose: number[] = [];
const toRemove: string[] = [];

function keep(fd: number): number {
  toClose.push(fd);
  return fd;
}

/** Closes an fd the check kept, now rather than after the test. */
function release(fd: number): void {
  const at = toClose.indexOf(fd);
  if (at >= 0) toClose.splice(at, 1);
  lab.reference.closeFd(fd);
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-lab8-'));
  toRemove.push(dir);
  return dir;
}

function tempFile(name: string, text = `${name}\n`, flags: string | number = 'r'): { path: string; fd: number } {
  const path = join(tempDir(), name);
  writeFileSync(path, text);
  return { path, fd: keep(openSync(path, flags)) };
}

/** An fd number that is not open here. */
function closedFdNumber(): number {
  for (;;) {
    const fd = random.int(200, 900);
    if (!isOpen(fd)) return fd;
  }
}

// ---------------------------------------------------------------- your code

function setCloexecMine(fd: number, on: boolean): void {
  try {
    openBonus(lab.tree).setCloexec(fd, on);
  } catch (error) {
    const e = error as { code?: string };
    if (e.code === 'ENOSYS') lab.fail('fdlab_set_cloexec is not written yet (it returns -1 with errno ENOSYS).', 'FD_CLOEXEC set or cleared', ccFile);
    lab.fail(`setCloexec(${fd}, ${on}) threw: ${messageOf(error)}`, `fd ${fd} is open, so no error`, ccFile);
  }
}

async function loadLeak(): Promise<LeakModule> {
  try {
    return (await import(`../../${lab.tree}/08-cloexec/leak.ts`)) as LeakModule;
  } catch (error) {
    return lab.fail(`${leakFile} does not load: ${messageOf(error)}`, 'a file that Node can import', leakFile);
  }
}

/** Runs one of your functions; "not written yet" and any other throw fail, named. */
function mine<T>(name: string, call: () => T, expected: string): T {
  try {
    return call();
  } catch (error) {
    if (messageOf(error).includes('not written yet')) {
      lab.fail(`${name} is not written yet (it throws "${messageOf(error)}").`, `the TODO(lab 8) in ${leakFile} done`, leakFile);
    }
    if ((error as { code?: string; syscall?: string }).code === 'ENOENT' && (error as { syscall?: string }).syscall === 'readlink') {
      lab.fail(
        `${name} threw: ${messageOf(error)}. readdirSync listed an fd that had closed by the time of the readlink: its own fd on the directory.`,
        "skip an entry whose readlinkSync throws code 'ENOENT'; throw any other error",
        leakFile,
      );
    }
    return lab.fail(`${name} threw: ${messageOf(error)}`, expected, leakFile);
  }
}

// ---------------------------------------------------------------- children

interface Run {
  tracked: Tracked;
  done(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Process groups started detached, killed whole after each test: no grandchild outlives the check. */
const groups: number[] = [];

/** Tracks a child; a child that outlives CHILD_MS fails the test, naming `file`, with its last output. */
function run(child: ChildProcess, file: string): Run {
  const tracked = track(child);
  return {
    tracked,
    done: () => tracked.finished(CHILD_MS).catch((error: unknown) => lab.fail(messageOf(error), 'a process that finishes on its own', file)),
  };
}

function reportIn(r: Run): GrandchildReport | undefined {
  const line = r.tracked
    .output()
    .split('\n')
    .find((l) => l.startsWith(REPORT));
  return line === undefined ? undefined : (JSON.parse(line.slice(REPORT.length)) as GrandchildReport);
}

function describeExit(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** The grandchild's table for the learner to see, the leaked and handed-on fds marked. */
function tableText(s: Scenario): string {
  const notes = new Map([
    [s.secret.identity, '  <- the secret (leaked)'],
    [s.library.identity, '  <- the library\'s file (leaked)'],
    [s.middleSocket, '  <- the middle\'s socket (leaked)'],
    [s.handOn, '  <- handed on'],
  ]);
  // Node's own event loop fds (epoll, eventfd, its wakeup pipes) are in
  // every Node process: counted, not listed.
  const runtime = (e: GrandchildFd): boolean => e.fd > 2 && (e.target.startsWith('anon_inode:') || e.target.startsWith('pipe:'));
  const shown = [...s.report.table].sort((a, b) => a.fd - b.fd).filter((e) => !runtime(e));
  const lines = shown.map((e) => `        ${String(e.fd).padStart(3)} -> ${e.target}${notes.get(e.identity) ?? ''}`);
  lines.push(`        (and ${s.report.table.length - shown.length} fds of the Node runtime: epoll, eventfd, pipes)`);
  return lines.join('\n');
}

// ---------------------------------------------------------------- the three generations

interface Scenario {
  report: GrandchildReport;
  secret: { path: string; identity: string };
  library: { path: string; identity: string };
  /** The middle's socket to the check, and the socket it hands on. */
  middleSocket: string;
  handOn: string;
  /** What reached the check through the handed-on socket, and whether EOF followed. */
  heard: string;
  eof: boolean;
  output: string;
}

/**
 * The check sends the middle (your leak.ts, run as a program) a secret file
 * and one end of a socketpair over its fd 3; an "old library" in the middle
 * opens a third file without O_CLOEXEC. The grandchild reports its fd table.
 */
async function scenario(mode: 'leaky' | 'fixed'): Promise<Scenario> {
  const secret = tempFile('secret.txt', `secret ${random.int(0, 2 ** 30).toString(16)}\n`);
  const library = tempFile('library.log');
  const [ours, theirs] = lab.reference.socketpair('stream').map(keep) as [number, number];
  const [listen, handOn] = lab.reference.socketpair('stream').map(keep) as [number, number];
  const facts = {
    secret: { path: secret.path, identity: fileIdentity(secret.fd) },
    library: { path: library.path, identity: fileIdentity(library.fd) },
    middleSocket: fileIdentity(theirs),
    handOn: fileIdentity(handOn),
  };
  const middle = spawn(
    process.execPath,
    [...TS_LOADER, join(root, lab.tree, '08-cloexec', 'leak.ts'), 'middle', mode, process.execPath, '-e', GRANDCHILD],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe', theirs],
      // Its own process group: killed whole after the test, grandchild too.
      detached: true,
      // No FDLAB_TREE: the middle's setCloexec and recvFds are the reference.
      env: { ...process.env, FDLAB_TREE: undefined, FDLAB_SOCK_FD: '3', FDLAB_HANDED_FD: undefined, FDLAB_LIBRARY_FILE: library.path },
    },
  );
  if (middle.pid !== undefined) groups.push(middle.pid);
  const r = run(middle, leakFile);
  // The middle has its copies: ours go, so end-of-file can tell us who still holds one.
  release(theirs);
  await lab.reference.sendFds(ours, [secret.fd, handOn], 'two fds');
  release(handOn);

  let heard = '';
  let eof = false;
  try {
    for (;;) {
      const message = await lab.reference.recvFds(listen, { timeoutMs: CHILD_MS });
      if (message === null) {
        eof = true;
        break;
      }
      heard += message.data.toString();
      message.fds.forEach((fd) => lab.reference.closeFd(fd));
    }
  } catch (error) {
    if ((error as { code?: string }).code !== 'ETIMEDOUT') throw error;
  }
  const exit = await r.done();
  const report = reportIn(r);
  const unwritten = /(\w+) is not written yet/.exec(r.tracked.output());
  if (report === undefined && unwritten !== null) {
    lab.fail(`the middle stopped: ${unwritten[1]} is not written yet.`, `the TODO(lab 8) in ${leakFile} done`, leakFile);
  }
  if (report === undefined) {
    lab.fail(
      `the middle (running ${leakFile} in ${mode} mode) ${describeExit(exit)} and no grandchild reported; its output:\n    ${r.tracked.lastOutput()}`,
      'a middle that starts the grandchild with spawnGrandchild and waits for it',
      leakFile,
    );
  }
  lab.require(
    exit.code === 0,
    `the middle ${describeExit(exit)}; its output:\n    ${r.tracked.lastOutput()}`,
    'a middle (and grandchild) that exit 0',
    leakFile,
  );
  return { ...facts, report: report!, heard, eof, output: r.tracked.output() };
}

function holding(report: GrandchildReport, identity: string): GrandchildFd[] {
  return report.table.filter((e) => e.identity === identity);
}

// ---------------------------------------------------------------- the check

describe(`lab 8: close-on-exec and the leak into a grandchild`, () => {
  afterEach(async () => {
    for (const pgid of groups.splice(0)) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // the whole group is gone already
      }
    }
    await reapAll();
    for (const fd of toClose.splice(0)) {
      try {
        closeSync(fd);
      } catch {
        // closed by the test
      }
    }
    for (const dir of toRemove.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  describe('fdlab_set_cloexec (cloexec.cc)', () => {
    it('clears and sets FD_CLOEXEC, and setting it twice is still set', () => {
      const { fd } = tempFile('plain.txt');
      lab.require(fdFlags(fd).cloexec, 'Node opened the test file without O_CLOEXEC.', 'Node opens every fd close-on-exec', ccFile);
      setCloexecMine(fd, false);
      lab.require(!fdFlags(fd).cloexec, `after setCloexec(${fd}, false), fd ${fd} is still close-on-exec.`, 'FD_CLOEXEC cleared: fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC), with flags from F_GETFD (F_SETFL ignores O_CLOEXEC: it is not a file status flag)', ccFile);
      setCloexecMine(fd, false);
      lab.require(!fdFlags(fd).cloexec, `clearing it a second time set it again.`, 'clear means clear, whatever it was before', ccFile);
      setCloexecMine(fd, true);
      lab.require(fdFlags(fd).cloexec, `after setCloexec(${fd}, true), fd ${fd} is not close-on-exec.`, 'FD_CLOEXEC set: fcntl(fd, F_SETFD, flags | FD_CLOEXEC)', ccFile);
      setCloexecMine(fd, true);
      lab.require(fdFlags(fd).cloexec, `setting it a second time cleared it (a toggle?).`, 'set means set, whatever it was before', ccFile);
    });

    it('changes only the fd it is given: FD_CLOEXEC belongs to the fd, not to the open file', async () => {
      const { fd } = tempFile('shared.txt');
      // A second fd on the same open file description: send it to ourselves.
      const [a, b] = lab.reference.socketpair('stream').map(keep) as [number, number];
      lab.reference.sendFdsSync(a, [fd]);
      const twin = keep(lab.reference.recvFdsSync(b, { timeoutMs: 5000 })!.fds[0]!);
      setCloexecMine(fd, false);
      lab.require(
        fdFlags(twin).cloexec,
        `clearing close-on-exec on fd ${fd} cleared it on fd ${twin} too, another fd on the same open file.`,
        'F_SETFD (a flag of this fd) rather than F_SETFL (the open file\'s status flags, shared by every fd on it)',
        ccFile,
      );
      lab.require(!fdFlags(fd).cloexec, `fd ${fd} is still close-on-exec.`, 'FD_CLOEXEC cleared on the fd given', ccFile);
    });

    it('leaves the open file\'s status flags (O_APPEND, O_NONBLOCK) as they were', () => {
      const { fd } = tempFile('flags.txt', 'x\n', constants.O_RDWR | constants.O_APPEND | constants.O_NONBLOCK);
      const before = statusFlags(fd);
      setCloexecMine(fd, false);
      const cleared = statusFlags(fd);
      setCloexecMine(fd, true);
      const set = statusFlags(fd);
      const lost = (now: number): string =>
        [
          (before & constants.O_APPEND) !== 0 && (now & constants.O_APPEND) === 0 ? 'O_APPEND' : '',
          (before & constants.O_NONBLOCK) !== 0 && (now & constants.O_NONBLOCK) === 0 ? 'O_NONBLOCK' : '',
        ]
          .filter(Boolean)
          .join(' and ') || `flags 0${before.toString(8)} became 0${now.toString(8)}`;
      lab.require(cleared === before, `clearing close-on-exec changed the file status flags: ${lost(cleared)} gone.`, 'F_GETFD/F_SETFD only: F_SETFL would overwrite the open file\'s flags', ccFile);
      lab.require(set === before, `setting close-on-exec changed the file status flags: ${lost(set)} gone.`, 'F_GETFD/F_SETFD only: F_SETFL would overwrite the open file\'s flags', ccFile);
    });

    it('reports a closed fd as EBADF, shaped like a Node fs error', () => {
      const fd = closedFdNumber();
      let error: { code?: string; errno?: number; syscall?: string; message?: string } | undefined;
      try {
        openBonus(lab.tree).setCloexec(fd, true);
      } catch (e) {
        error = e as typeof error;
      }
      lab.require(error !== undefined, `setCloexec(${fd}, true) on a closed fd succeeded.`, 'return -1 when fcntl(2) fails (it sets errno to EBADF)', ccFile);
      if (error!.code === 'ENOSYS') lab.fail('fdlab_set_cloexec is not written yet (it returns -1 with errno ENOSYS).', 'EBADF for a closed fd', ccFile);
      lab.require(
        error!.code === 'EBADF' && error!.errno === -9 && error!.syscall === 'fcntl' && error!.message === 'EBADF: bad file descriptor, fcntl',
        `on a closed fd it failed with: ${error!.message} (code ${error!.code}, errno ${error!.errno}).`,
        'EBADF: bad file descriptor, fcntl (return -1 and leave errno as fcntl set it)',
        ccFile,
      );
    });
  });

  describe('readFdTable, closeOnExecFrom, spawnGrandchild, prepareForSpawn (leak.ts)', () => {
    it('readFdTable(\'self\') lists every open fd of this process and what it points at', async () => {
      const { readFdTable } = await loadLeak();
      const { path, fd } = tempFile('seen.txt');
      // The kit's reading before and after yours: an fd the runtime opened
      // or closed in between is in only one of them, and is not held against you.
      const before = referenceFdTable('self');
      const table = mine('readFdTable', () => readFdTable('self'), 'the fd table of /proc/self/fd');
      const after = referenceFdTable('self');
      const stable = before.filter((b) => after.some((a) => a.fd === b.fd && a.target === b.target));
      lab.require(Array.isArray(table), `readFdTable returned ${String(table)}.`, 'an array of { fd, target }', leakFile);
      const entry = table.find((e) => e.fd === fd);
      lab.require(entry !== undefined, `fd ${fd} (${path}) is open but not in the table.`, `{ fd: ${fd}, target: '${path}' }, with fd a number`, leakFile);
      lab.require(entry!.target === path, `fd ${fd} points at "${entry!.target}".`, `"${path}": readlinkSync('/proc/self/fd/${fd}')`, leakFile);
      const fds = table.map((e) => e.fd);
      lab.require(
        fds.every((n, i) => i === 0 || fds[i - 1]! < n),
        `the fds are not in ascending order: ${fds.join(', ')}.`,
        'sorted by fd number',
        leakFile,
      );
      const extra = table.filter((e) => ![...before, ...after].some((x) => x.fd === e.fd));
      lab.require(
        extra.length === 0,
        `it lists fd ${extra.map((e) => `${e.fd} -> ${e.target}`).join(', ')}, which is not open any more.`,
        'only open fds: skip an entry whose readlink fails with ENOENT (the directory\'s own fd, closed once listed)',
        leakFile,
      );
      const missing = stable.filter((x) => !table.some((e) => e.fd === x.fd && e.target === x.target));
      lab.require(
        missing.length === 0,
        `it misses or misnames ${missing.map((x) => `fd ${x.fd} -> ${x.target}`).join(', ')}.`,
        'every entry of /proc/self/fd with its readlink target',
        leakFile,
      );
    });

    it('readFdTable(pid) reads another process\'s table, from /proc/<pid>/fd', async () => {
      const { readFdTable } = await loadLeak();
      const { path, fd } = tempFile('childs.txt');
      const at = random.int(4, 9);
      const stdio = ['pipe', 'ignore', 'ignore', ...Array<'ignore'>(at - 3).fill('ignore'), fd] as ('pipe' | 'ignore' | number)[];
      // It waits for its stdin to close, so its table holds still while read.
      const child = spawn(process.execPath, ['-e', 'process.stdin.resume(); process.stdin.on("end", () => process.exit(0))'], { stdio });
      const r = run(child, leakFile);
      const table = mine('readFdTable', () => readFdTable(child.pid!), `the fd table of /proc/${child.pid}/fd`);
      child.stdin!.end();
      await r.done();
      const entry = table.find((e) => e.fd === at);
      lab.require(
        entry?.target === path,
        entry === undefined
          ? `readFdTable(${child.pid}) has no fd ${at}, though the child holds ${path} there; it returned fds ${table.map((e) => e.fd).join(', ')}.`
          : `readFdTable(${child.pid}) says fd ${at} points at "${entry.target}".`,
        `fd ${at} -> ${path}: read /proc/${child.pid}/fd, not /proc/self/fd`,
        leakFile,
      );
    });

    it('closeOnExecFrom(lowest) makes every fd from lowest up close-on-exec, and leaves the rest alone', async () => {
      const { closeOnExecFrom } = await loadLeak();
      const count = random.int(3, 6);
      const fds = Array.from({ length: count }, (_, i) => tempFile(`open-${i}.txt`).fd);
      for (const fd of fds) reference.setCloexec(fd, false);
      const lowest = fds[1]!;
      const below = [0, 1, 2, fds[0]!].filter(isOpen).map((fd) => ({ fd, cloexec: fdFlags(fd).cloexec }));
      mine('closeOnExecFrom', () => closeOnExecFrom(lowest), `every fd from ${lowest} up close-on-exec`);
      const missed = referenceFdTable('self').filter((e) => e.fd >= lowest && !e.cloexec);
      lab.require(
        missed.length === 0,
        `after closeOnExecFrom(${lowest}), ${missed.map((e) => `fd ${e.fd} (${e.target})`).join(', ')} still ${missed.length === 1 ? 'is' : 'are'} not close-on-exec.`,
        `setCloexec(fd, true) for every fd in readFdTable('self') with fd >= ${lowest}`,
        leakFile,
      );
      const touched = below.filter((b) => fdFlags(b.fd).cloexec !== b.cloexec);
      lab.require(
        touched.length === 0,
        `closeOnExecFrom(${lowest}) changed fd ${touched.map((t) => t.fd).join(', ')}, below ${lowest}.`,
        `the fds below ${lowest} left as they were`,
        leakFile,
      );
    });

    it('spawnGrandchild hands on exactly one fd, at fd 3, even though it is close-on-exec', async () => {
      const { spawnGrandchild } = await loadLeak();
      const [listen, handOn] = lab.reference.socketpair('stream').map(keep) as [number, number];
      const handOnIdentity = fileIdentity(handOn);
      const envBefore = process.env.FDLAB_HANDED_FD;
      const child = mine('spawnGrandchild', () => spawnGrandchild(process.execPath, ['-e', GRANDCHILD], handOn, { stdio: 'pipe' }), 'a started child');
      lab.require(typeof child?.once === 'function', `spawnGrandchild returned ${String(child)}.`, 'the ChildProcess that spawn returns', leakFile);
      const r = run(child, leakFile);
      lab.require(
        isOpen(handOn) && fileIdentity(handOn) === handOnIdentity,
        `spawnGrandchild closed fd ${handOn}, the fd it hands on.`,
        'handOn left open: the caller (the middle) closes it once the grandchild has started',
        leakFile,
      );
      lab.require(process.env.FDLAB_HANDED_FD === envBefore, 'spawnGrandchild set FDLAB_HANDED_FD in this process\'s own environment.', 'a new env object for the child: { ...process.env, [HANDED_FD_ENV]: ... }', leakFile);
      release(handOn);
      const exit = await r.done();
      const report = reportIn(r);
      lab.require(report !== undefined, `the grandchild ${describeExit(exit)} without reporting; its output:\n    ${r.tracked.lastOutput()}`, "the command and args passed to spawn unchanged, with stdio 'pipe' when asked", leakFile);
      const at3 = report!.table.find((e) => e.fd === 3);
      lab.require(
        at3?.identity === handOnIdentity,
        at3 === undefined ? 'the grandchild has no fd 3.' : `the grandchild's fd 3 is ${at3.target}, not the socket handed on (fd ${handOn}).`,
        "handOn (the number) at index 3 of the stdio array: [s, s, s, handOn] ('pipe' there would make a new socket)",
        leakFile,
      );
      const copies = holding(report!, handOnIdentity);
      lab.require(
        copies.length === 1,
        `the grandchild holds the socket handed on ${copies.length} times, at fd ${copies.map((e) => e.fd).join(' and ')}.`,
        'one copy, at fd 3: handOn is close-on-exec, so only the dup2 onto fd 3 survives exec',
        leakFile,
      );
      lab.require(report!.handed === '3', `the grandchild has FDLAB_HANDED_FD=${JSON.stringify(report!.handed)}.`, 'FDLAB_HANDED_FD=3 in its env', leakFile);
      const heard = lab.reference.recvFdsSync(listen, { timeoutMs: 5000 });
      lab.require(
        heard?.data.toString() === 'hello from the grandchild',
        `what the grandchild wrote to its fd 3 did not arrive at the other end of handOn (got ${JSON.stringify(heard?.data.toString() ?? null)}).`,
        'the grandchild\'s fd 3 is handOn itself',
        leakFile,
      );
    });

    it('prepareForSpawn(\'leaky\') clears close-on-exec on the received fds; \'fixed\' sets it on every fd from 3 up', async () => {
      const { prepareForSpawn } = await loadLeak();
      const received = [tempFile('a.txt').fd, tempFile('b.txt').fd];
      mine('prepareForSpawn', () => prepareForSpawn('leaky', received), 'the received fds without FD_CLOEXEC');
      const still = received.filter((fd) => fdFlags(fd).cloexec);
      lab.require(still.length === 0, `in 'leaky' mode, ${still.length === 1 ? `fd ${still[0]} is` : `fds ${still.join(' and ')} are`} still close-on-exec: the leak is not reproduced.`, 'setCloexec(fd, false) for each received fd', leakFile);
      const stray = tempFile('stray.txt').fd;
      reference.setCloexec(stray, false);
      mine('prepareForSpawn', () => prepareForSpawn('fixed', received), 'every fd from 3 up close-on-exec');
      const open = referenceFdTable('self').filter((e) => e.fd >= 3 && !e.cloexec);
      lab.require(
        open.length === 0,
        `in 'fixed' mode, ${open.map((e) => `fd ${e.fd} (${e.target})`).join(', ')} would still leak into the grandchild` +
          (open.some((e) => e.fd === stray) ? `; fd ${stray} is one the middle never received, like a library's` : '') +
          '.',
        'closeOnExecFrom(3): every fd from 3 up, not only the ones received',
        leakFile,
      );
    });
  });

  describe('three generations: the check, the middle (your leak.ts), the grandchild', () => {
    it('leaky: the grandchild holds the secret the middle received, without ever being given it', async () => {
      await loadLeak();
      const s = await scenario('leaky');
      console.log(`      the grandchild's fds, leaky (from its /proc/self/fd):\n${tableText(s)}`);
      const secret = holding(s.report, s.secret.identity);
      lab.require(
        secret.length > 0,
        `in 'leaky' mode the grandchild holds no fd on ${s.secret.path}: the leak was not reproduced.`,
        "prepareForSpawn('leaky') clears FD_CLOEXEC on the received fds, so execve(2) keeps them open",
        leakFile,
      );
    });

    it('fixed: the grandchild holds the socket handed on, at fd 3 only, and nothing else of its elders', async () => {
      await loadLeak();
      const s = await scenario('fixed');
      console.log(`      the grandchild's fds, fixed (from its /proc/self/fd):\n${tableText(s)}`);
      const secret = holding(s.report, s.secret.identity);
      lab.require(
        secret.length === 0,
        `the grandchild holds ${secret.map((e) => `fd ${e.fd} -> ${e.target}`).join(', ')}, the secret file the parent passed to the middle.`,
        'no fd on the secret in the grandchild: every fd close-on-exec before spawn',
        leakFile,
      );
      const library = holding(s.report, s.library.identity);
      lab.require(
        library.length === 0,
        `the grandchild holds ${library.map((e) => `fd ${e.fd} -> ${e.target}`).join(', ')}, the file a library in the middle opened without O_CLOEXEC.`,
        "closeOnExecFrom(3) in prepareForSpawn('fixed'): every fd from 3 up, not only the received ones",
        leakFile,
      );
      const socket = holding(s.report, s.middleSocket);
      lab.require(
        socket.length === 0,
        `the grandchild holds ${socket.map((e) => `fd ${e.fd} -> ${e.target}`).join(', ')}, the middle's own socket to the check.`,
        'every fd from 3 up close-on-exec before spawn',
        leakFile,
      );
      const handed = holding(s.report, s.handOn);
      lab.require(
        handed.length === 1 && handed[0]!.fd === 3,
        handed.length === 0
          ? 'the grandchild does not hold the socket handed on to it.'
          : `the grandchild holds the socket handed on at fd ${handed.map((e) => e.fd).join(' and ')}.`,
        'exactly one copy, at fd 3: handed on through the stdio array, not leaked',
        leakFile,
      );
      lab.require(s.report.handed === '3', `the grandchild has FDLAB_HANDED_FD=${JSON.stringify(s.report.handed)}.`, 'FDLAB_HANDED_FD=3', leakFile);
      lab.require(
        s.heard === 'hello from the grandchild',
        `the check heard ${JSON.stringify(s.heard)} on the other end of the socket handed on.`,
        '"hello from the grandchild", written to its fd 3',
        leakFile,
      );
      lab.require(s.eof, 'the grandchild exited, but the socket handed on never reached end-of-file: a copy is still open somewhere.', 'end-of-file once the grandchild is gone', leakFile);
    });
  });
});
