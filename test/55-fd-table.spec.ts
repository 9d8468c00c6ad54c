// The fd-table view (kit/fd-table.ts): what it reads from /proc matches the
// fds a test opened itself, and what it prints shows them, marked. A process
// that has exited reads as an empty table, for root and for everyone else
// (to whom /proc/<pid>/fd of a zombie says EACCES): the zombie tests read as
// a non-root user in a child (test/support/zombie-fd-table-child.ts), which
// drops to uid 65534 when the suite runs as root. Every fd above 2 that is
// not close-on-exec is flagged, with one line under the table, except the
// child's fd 3 that was handed over on purpose.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fdTablesView } from '../kit/demo-views.ts';
import { readFdTable, renderFdTables, sharedIdentities, type FdEntry } from '../kit/fd-table.ts';
import { openFdlab } from '../native/index.ts';
import { runTs } from './support/processes.ts';

const fdlab = openFdlab('solutions');

describe('the fd-table view', () => {
  let dir: string;
  let file: number;
  let pair: [number, number];
  let copy: number;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdlab-table-'));
    file = openSync(join(dir, 'known.txt'), 'w+');
    writeSync(file, 'hello'); // moves the offset to 5
    pair = fdlab.socketpair();
    fdlab.sendFdsSync(pair[0], [file]);
    copy = fdlab.recvFdsSync(pair[1])!.fds[0]!;
  });
  after(() => {
    [file, copy, ...pair].forEach((fd) => closeSync(fd));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads each fd: what it refers to, access mode, CLOEXEC, offset', () => {
    const table = readFdTable();
    const entry = table.find((e) => e.fd === file)!;
    expect(entry.target).to.equal(join(dir, 'known.txt'));
    expect(entry.access).to.equal('rw');
    expect(entry.cloexec).to.equal(true);
    expect(entry.pos).to.equal(5);
    const socket = table.find((e) => e.fd === pair[0])!;
    expect(socket.target).to.match(/^socket:\[\d+\]$/);
    expect(socket.cloexec).to.equal(true);
    expect(socket.nonblocking).to.equal(false);
  });

  it("reads another process's table: an inherited fd 3 without CLOEXEC, same file, same offset", async () => {
    const child = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', file] });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const inherited = readFdTable(child.pid!).find((e) => e.fd === 3);
      expect(inherited, "the child's fd 3").to.not.equal(undefined);
      expect(inherited!.cloexec, 'dup2 clears CLOEXEC on the copy').to.equal(false);
      expect(inherited!.identity).to.equal(readFdTable().find((e) => e.fd === file)!.identity);
      expect(inherited!.pos).to.equal(5);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('gives a passed fd the identity (dev:inode) and offset of the original', () => {
    const table = readFdTable();
    const original = table.find((e) => e.fd === file)!;
    const passed = table.find((e) => e.fd === copy)!;
    expect(passed.identity).to.equal(original.identity);
    expect(passed.pos).to.equal(original.pos);
    expect(sharedIdentities([original], [passed])).to.deep.equal(new Set([original.identity]));
  });

  it('prints two tables side by side, marking the highlighted rows', () => {
    const table = readFdTable();
    const identity = table.find((e) => e.fd === file)!.identity;
    const text = renderFdTables(
      [
        { title: 'left', entries: table },
        { title: 'right', entries: table },
      ],
      { highlight: new Set([identity]), hideRuntime: true },
    );
    const lines = text.split('\n');
    expect(lines[0]).to.match(/^left\s+right$/);
    const marked = lines.filter((l) => l.startsWith('▶'));
    // file and its passed copy, in both columns of the same rows
    expect(marked).to.have.length(2);
    for (const line of marked) {
      expect(line).to.include('known.txt');
      expect(line.match(/▶/g)).to.have.length(2);
      expect(line).to.match(/rw CLOEXEC\s+5/);
    }
    expect(text).to.not.match(/\x1b\[/); // plain text unless colour is asked for
    expect(text).to.match(/\+\d+ fds of the Node runtime/);
  });

  it('uses colour only when asked, and stacks tables on a narrow terminal', () => {
    const table = readFdTable();
    const coloured = renderFdTables([{ title: 't', entries: table }], { color: true });
    expect(coloured).to.match(/\x1b\[1mt\x1b\[0m/);
    const narrow = renderFdTables(
      [
        { title: 'first', entries: table },
        { title: 'second', entries: table },
      ],
      { columns: 80 },
    );
    expect(narrow.split('\n')[0]).to.equal('first');
    expect(narrow).to.match(/\n\nsecond\n/);
  });
});

/** Spawns `command` with `extraFds[i]` as its fd 3 + i ('ignore' leaves a gap) and resolves once it is running. */
async function childWithFds(command: string, args: string[], extraFds: (number | 'ignore')[], ready: 'spawn' | 'stdout'): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', ready === 'stdout' ? 'pipe' : 'ignore', 'inherit', ...extraFds] });
  // A Node child has marked its inherited fds only once its own code runs: it says so on stdout.
  await new Promise((resolve, reject) => {
    child.once('error', reject);
    if (ready === 'spawn') child.once('spawn', resolve);
    else child.stdout!.once('data', resolve);
  });
  return child;
}

async function endChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('the fd tables flag what exec would leak', () => {
  let dir: string;
  let file: number;
  let path: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdlab-leaks-'));
    path = join(dir, 'inherited.txt');
    file = openSync(path, 'w+');
  });
  after(() => {
    closeSync(file);
    rmSync(dir, { recursive: true, force: true });
  });

  it('marks a child\'s fd that is not close-on-exec and explains it in one line; a close-on-exec fd is not marked', async () => {
    const child = await childWithFds('sleep', ['30'], [file], 'spawn');
    try {
      const childTable = readFdTable(child.pid!);
      expect(childTable.find((e) => e.fd === 3)!.cloexec, 'sleep keeps fd 3 as spawn left it').to.equal(false);
      const text = renderFdTables([{ title: 'child', entries: childTable }]);
      expect(text).to.match(/^ {2}\s*3 {2}\S*inherited\.txt\s+rw LEAKS ON EXEC\s+0$/m);
      expect(text.split('\n')).to.include(`fd 3 (${path}) is not close-on-exec: any program this process execs inherits it.`);

      const ours = readFdTable();
      expect(ours.find((e) => e.fd === file)!.cloexec, 'Node opens files close-on-exec').to.equal(true);
      const ourText = renderFdTables([{ title: 'us', entries: ours }], { hideRuntime: true });
      const ourRow = ourText.split('\n').find((line) => line.includes('inherited.txt'))!;
      expect(ourRow).to.match(/rw CLOEXEC/);
      expect(ourRow).to.not.include('LEAKS');
      expect(ourText).to.not.include(`fd ${file} (`);
    } finally {
      await endChild(child);
    }
  });

  it('marks an fd handed over on purpose as such, not as a leak, and still says exec passes it on', async () => {
    const child = await childWithFds('sleep', ['30'], [file], 'spawn');
    try {
      const text = renderFdTables([{ title: 'child', entries: readFdTable(child.pid!), handedOver: [3] }]);
      expect(text).to.match(/^ {2}\s*3 {2}\S*inherited\.txt\s+rw HANDED OVER\s+0$/m);
      expect(text).to.not.include(`fd 3 (${path}) is not close-on-exec`);
      expect(text.split('\n')).to.include(
        `fd 3 (${path}) was handed to this process on purpose; it is not close-on-exec, so a program it execs inherits it too.`,
      );
    } finally {
      await endChild(child);
    }
  });

  it("flags a high fd a Node child inherits (an fd 251), and explains why the child's fd 3 shows CLOEXEC", async () => {
    const pair = fdlab.socketpair();
    const extra: (number | 'ignore')[] = Array.from({ length: 252 - 3 }, () => 'ignore');
    extra[0] = pair[1]; // the child's fd 3: its socket, as in the demo
    extra[251 - 3] = file; // the child's fd 251: what a terminal or editor leaves open
    const child = await childWithFds(process.execPath, ['-e', "process.stdout.write('ready'); setInterval(() => {}, 60_000)"], extra, 'stdout');
    try {
      const childTable = readFdTable(child.pid!);
      const byFd = (fd: number): FdEntry => childTable.find((e) => e.fd === fd)!;
      expect(byFd(3).cloexec, 'Node marked its low inherited fd close-on-exec as it started').to.equal(true);
      expect(byFd(251).cloexec, 'Node left the high one as it came').to.equal(false);

      const view = fdTablesView(process.pid, child.pid!, file);
      const lines = view.text.split('\n');
      expect(view.childFd).to.equal(251);
      expect(lines).to.include(`child ${child.pid}: fd 251 (${path}) is not close-on-exec: any program this process execs inherits it.`);
      expect(lines).to.include(
        `child ${child.pid}: fd 3, its socket, came without CLOEXEC (it had to survive exec); ` +
          'Node set the flag on the low fds it inherited as it started, so the socket goes no further.',
      );
      expect(view.text).to.not.match(/HANDED OVER/); // fd 3 is close-on-exec now: nothing leaks through it
      expect(lines.filter((line) => line.includes(': fd 3,'))).to.have.length(1);
    } finally {
      await endChild(child);
      pair.forEach((fd) => closeSync(fd));
    }
  });

  it("never hides a runtime-looking fd that leaks: only close-on-exec pipes and anon inodes count as Node's own", () => {
    const entry = (fd: number, target: string, cloexec: boolean): FdEntry => ({ fd, target, identity: `0:${fd}`, access: 'w', cloexec, nonblocking: false, pos: 0 });
    const text = renderFdTables([{ title: 't', entries: [entry(9, 'anon_inode:[eventpoll]', true), entry(10, 'pipe:[7]', true), entry(251, 'pipe:[8]', false)] }], {
      hideRuntime: true,
    });
    expect(text).to.match(/^ {2}251 {2}pipe:\[8\]\s+w LEAKS ON EXEC\s+0$/m);
    expect(text).to.not.match(/eventpoll|pipe:\[7\]/);
    expect(text).to.include('(+2 fds of the Node runtime');
    expect(text.split('\n').at(-1)).to.equal('fd 251 (pipe:[8]) is not close-on-exec: any program this process execs inherits it.');
  });

  it('colours the mark only when asked, and leaves fds 0-2 alone', () => {
    const entry = (fd: number): FdEntry => ({ fd, target: 'pipe:[1]', identity: `0:${fd}`, access: 'w', cloexec: false, nonblocking: false, pos: 0 });
    const coloured = renderFdTables([{ title: 't', entries: [entry(1), entry(4)] }], { color: true });
    expect(coloured).to.include('\x1b[1;33mLEAKS ON EXEC\x1b[0m');
    expect(coloured.match(/LEAKS ON EXEC/g)).to.have.length(1);
    expect(coloured).to.not.include('fd 1 (');
  });
});

interface ZombieReport {
  uid: number;
  rawListing: { result?: unknown; code?: string };
  zombieTable: { result?: unknown; code?: string; message?: string };
  zombieState: string;
  other?: { result?: unknown; code?: string; message?: string };
}

const zombieReader = fileURLToPath(new URL('./support/zombie-fd-table-child.ts', import.meta.url));

async function readAsZombieParent(args: string[]): Promise<ZombieReport> {
  // No tsx cache writes: the reader may be uid 65534, who cannot write root's cache.
  const run = await runTs(zombieReader, args, { TSX_DISABLE_CACHE: '1' });
  expect(run.code, run.output).to.equal(0);
  return JSON.parse(run.output.split('\n').find((line) => line.startsWith('{'))!) as ZombieReport;
}

/** A pid no process can have: one above the kernel's pid_max. */
function aPidThatIsGone(): number {
  return Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8')) + 1;
}

/** A live process whose owner is not `uid`, or undefined when there is none to see. */
function liveProcessNotOwnedBy(uid: number): number | undefined {
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const owner = Number(/^Uid:\s+(\d+)/m.exec(status)![1]);
      if (owner !== uid && !/^State:\s+Z/m.test(status)) return Number(name);
    } catch {
      // gone while we looked
    }
  }
  return undefined;
}

describe('the fd table of a process that has exited', () => {
  const asRoot = process.getuid!() === 0;

  it('is empty for a zombie (exited, not yet reaped) read by this user', async () => {
    const report = await readAsZombieParent([]);
    expect(report.zombieState, 'the child was still unreaped when its table was read').to.equal('zombie');
    // What the kernel says to this user: an empty folder to root, EACCES to everyone else.
    if (asRoot) expect(report.rawListing).to.deep.equal({ result: [] });
    else expect(report.rawListing.code).to.equal('EACCES');
    expect(report.zombieTable).to.deep.equal({ result: [] });
  });

  it('is empty for a zombie read by a non-root user, to whom the kernel says EACCES', async () => {
    const report = await readAsZombieParent(['--as-nobody']);
    expect(report.uid, 'the reader is not root').to.not.equal(0);
    expect(report.zombieState).to.equal('zombie');
    expect(report.rawListing.code, 'the kernel refused the listing, so the EACCES path was taken').to.equal('EACCES');
    expect(report.zombieTable).to.deep.equal({ result: [] });
  });

  it('is empty for a process that is gone', () => {
    expect(readFdTable(aPidThatIsGone())).to.deep.equal([]);
  });

  it("shows in the demo's view as exited, the passed file in the parent's table only", () => {
    const gone = aPidThatIsGone();
    const fd = openSync('/dev/null', 'r');
    try {
      const view = fdTablesView(process.pid, gone, fd);
      expect(view.text).to.match(new RegExp(`^parent ${process.pid}\\s+child ${gone} \\(exited\\)$`, 'm'));
      expect(view.text).to.include("(the child has exited, and exit closed its fds: the passed file is in the parent's table only)");
      expect(view.childFd).to.equal(undefined);
    } finally {
      closeSync(fd);
    }
  });

  it('names the pid and EACCES for a live process whose table this user may not read', async function () {
    // As root, the reader becomes uid 65534 and reads this (root's) process.
    const other = asRoot ? process.pid : liveProcessNotOwnedBy(process.getuid!());
    if (other === undefined) this.skip();
    const report = await readAsZombieParent(['--as-nobody', '--other', String(other)]);
    expect(report.other).to.include({ code: 'EACCES' });
    expect(report.other!.message).to.equal(`cannot read the fd table of process ${other}: EACCES: only its owner and root may read /proc/${other}/fd`);
  });

  it('rejects a pid that is not a positive integer', () => {
    for (const pid of [0, -1, 1.5, Number.NaN]) {
      expect(() => readFdTable(pid), String(pid)).to.throw(TypeError, /pid must be 'self' or a positive integer/);
    }
  });
});
