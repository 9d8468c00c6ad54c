// Lab 10 check: runC's --console-socket (labs/10-console/pty.cc and
// labs/10-console/console.ts). Run it with `make lab-10`.
//
// It tests your fdlab_openpty directly (through the addon built from your
// tree), then each side of console.ts in this process against the
// reference's other side ("your startOnConsole, the reference
// relayConsole"), then both of your sides together across two processes.
// The command on the console is a small Python program that says what its
// fds 0, 1 and 2 are. To see a failing fdlab_openpty clean up after itself,
// one test runs it in a child whose C library has been told (LD_PRELOAD) to
// make unlockpt fail.
//
// See: pty(7), posix_openpt(3), unlockpt(3), ld.so(8) (LD_PRELOAD),
// proc(5) (/proc/self/fd).
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, mkdtempSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isatty, ReadStream } from 'node:tty';
import { pathToFileURL } from 'node:url';
import { openBonus } from '../../native/bonus.ts';
import { reapAll, track, type Tracked } from '../../kit/check/children.ts';
import { labContext } from '../../kit/check/context.ts';
import { fdFlags } from '../../kit/check/fds.ts';
import { fdsPointingAt, fdTarget, PTY_MASTER_PATHS, ptyFds } from '../../kit/check/ptys.ts';
import { seededRandom } from '../../kit/check/random.ts';
import { root } from '../../kit/paths.ts';
import { TS_LOADER } from '../../kit/ts-loader.ts';

type ConsoleModule = typeof import('../../solutions/10-console/console.ts');

const lab = labContext(10);
const random = seededRandom();
const ptyFile = lab.file('pty.cc');
const consoleFile = lab.file('console.ts');

/** How long a console may stay open: its command exits at once. */
const RELAY_MS = 10_000;
/** How long a child process of the check may run. */
const CHILD_MS = 15_000;

/** The command put on the console: what its fds 0, 1 and 2 are, as JSON on the console and in a file. */
const PROBE = `
import json, os, sys
def what(fd):
    try:
        return {"tty": os.isatty(fd), "link": os.readlink("/proc/self/fd/%d" % fd)}
    except OSError:
        return {"tty": False, "link": None}
masters = [fd for fd in os.listdir("/proc/self/fd") if os.path.exists("/proc/self/fd/" + fd) and os.readlink("/proc/self/fd/" + fd) in ("/dev/ptmx", "/dev/pts/ptmx")]
report = {"fds": [what(0), what(1), what(2)], "ownSession": os.getsid(0) == os.getpid(), "masters": masters}
with open(os.environ["FDLAB_CHECK_REPORT"], "w") as f:
    json.dump(report, f)
print("isatty", os.isatty(0), os.isatty(1), os.ttyname(1) if os.isatty(1) else None)
`;

/** A command that prints `lines` numbered lines tagged with `tag`, then exits at once. */
const printer = (lines: number, tag: string): string[] => ['-c', `for i in range(${lines}): print("${tag}", i)`];

interface ProbeReport {
  fds: { tty: boolean; link: string | null }[];
  ownSession: boolean;
  masters: string[];
}

// ---------------------------------------------------------------- fds

/** fds the check must close when a test ends, with what they pointed at (fd numbers are reused). */
const owned: { fd: number; link: string | undefined }[] = [];
function own(fd: number): number {
  owned.push({ fd, link: fdTarget(fd) });
  return fd;
}

function pair(): [number, number] {
  const [a, b] = lab.reference.socketpair('stream');
  return [own(a), own(b)];
}

/** Closes `fd` now if the check still holds it. */
function release(fd: number): void {
  const entry = owned.find((e) => e.fd === fd);
  if (entry !== undefined && fdTarget(fd) === entry.link) {
    owned.splice(owned.indexOf(entry), 1);
    lab.reference.closeFd(fd);
  }
}

/** Relays still running in the background (a failed test may leave one). */
const relays: Promise<unknown>[] = [];

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---------------------------------------------------------------- your pty.cc

/** Calls your fdlab_openpty, and fails with what it threw, if it did. */
function openPtyMine(): { master: number; slavePath: string } {
  try {
    const result = openBonus(lab.tree).openPty();
    own(result.master);
    return result;
  } catch (error) {
    const e = error as { code?: string; message?: string };
    if (e.code === 'ENOSYS') lab.fail('fdlab_openpty is not written yet (it returns -1 with errno ENOSYS).', 'a new pty: the master in *master, the slave\'s path in slave_path', ptyFile);
    return lab.fail(`openPty() threw: ${e.message}`, 'it to return the master and the slave\'s path', ptyFile);
  }
}

/** Opens the slave the way a console does, and fails with a plain account if it cannot. */
function openSlave(slavePath: string, file: string): number {
  try {
    return own(openSync(slavePath, constants.O_RDWR | constants.O_NOCTTY));
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'EIO') lab.fail(`opening the slave ${slavePath} fails with EIO: it is still locked.`, 'unlockpt(master) before returning', file);
    return lab.fail(`opening the slave ${slavePath} failed: ${messageOf(error)}`, 'slave_path naming the slave of the new master, ready to be opened (grantpt, unlockpt, ptsname_r)', file);
  }
}

/** The C library shim: unlockpt (and the ioctl behind it) fail with EIO. */
const SHIM = `
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>

int unlockpt(int fd) {
  (void)fd;
  errno = EIO;
  return -1;
}

int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (request == TIOCSPTLCK) {
    errno = EIO;
    return -1;
  }
  static int (*real)(int, unsigned long, ...);
  if (real == 0) real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
  return real(fd, request, arg);
}
`;

/** Runs your openPty in a child whose unlockpt fails; returns what it threw and how many fds it left. */
async function openPtyWithFailingUnlock(): Promise<{ threw: string | null; message: string | null; leaked: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-lab10-'));
  try {
    const shim = join(dir, 'shim.so');
    writeFileSync(join(dir, 'shim.c'), SHIM);
    const cc = spawnSync('cc', ['-shared', '-fPIC', '-o', shim, join(dir, 'shim.c'), '-ldl'], { encoding: 'utf8' });
    if (cc.status !== 0) throw new Error(`the check could not build its unlockpt shim (is cc installed? \`make doctor\`):\n${cc.stderr}`);
    const script = `
      import { openBonus } from ${JSON.stringify(pathToFileURL(join(root, 'native/bonus.ts')).href)};
      import { ptyFds } from ${JSON.stringify(pathToFileURL(join(root, 'kit/check/ptys.ts')).href)};
      const bonus = openBonus(${JSON.stringify(lab.tree)});
      // Only pty fds are counted: tsx opens and closes its cache files on
      // other threads meanwhile, and those are not openPty's.
      const before = ptyFds();
      let threw = null, message = null;
      try {
        bonus.openPty();
      } catch (error) {
        threw = error.code ?? 'an error without a code';
        message = error.message;
      }
      const leaked = ptyFds().filter((fd) => !before.includes(fd)).length;
      console.log('FDLAB-REPORT ' + JSON.stringify({ threw, message, leaked }));
    `;
    const env: NodeJS.ProcessEnv = { ...process.env, LD_PRELOAD: shim };
    delete env.FDLAB_TREE;
    const child = track(
      spawn(process.execPath, [...TS_LOADER, '--input-type=module', '-e', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    // Once its output is drained too: 'exit' can come before the last of it.
    const exit = await waitForExit(child, ptyFile, 'drained');
    const line = child.output().split('\n').find((l) => l.startsWith('FDLAB-REPORT '));
    if (line === undefined) {
      lab.fail(`the child calling your openPty (with unlockpt failing) exited with ${exit} before it could report; its output:\n    ${child.lastOutput()}`, 'openPty to return or throw', ptyFile);
    }
    return JSON.parse(line!.slice('FDLAB-REPORT '.length));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- children

/** Waits for the child's exit ('drained': and for the end of its stdout and stderr), as a phrase. */
async function waitForExit(child: Tracked, file: string, until: 'exited' | 'drained' = 'exited'): Promise<string> {
  try {
    const { code, signal } = await (until === 'drained' ? child.finished(CHILD_MS) : child.exit(CHILD_MS));
    return signal !== null ? `signal ${signal}` : `code ${code}`;
  } catch (error) {
    return lab.fail(messageOf(error), 'a child that finishes on its own', file);
  }
}

/** What came through a console, shown in a failure. */
function shown(output: string): string {
  if (output === '') return '(nothing)';
  const text = output.length > 160 ? `...${output.slice(-160)}` : output;
  return JSON.stringify(text);
}

// ---------------------------------------------------------------- console.ts

async function load(tree: 'labs' | 'solutions'): Promise<ConsoleModule> {
  const file = tree === lab.tree ? consoleFile : `solutions/10-console/console.ts`;
  try {
    return (await import(`../../${tree}/10-console/console.ts`)) as ConsoleModule;
  } catch (error) {
    return lab.fail(`${file} does not load: ${messageOf(error)}`, 'a file that Node can import', file);
  }
}
const mine = (): Promise<ConsoleModule> => load(lab.tree);
const reference = (): Promise<ConsoleModule> => load('solutions');

function failIfNotWritten(error: unknown, fn: string): void {
  if (messageOf(error).includes('not written yet')) {
    lab.fail(`${fn} is not written yet (it throws "${messageOf(error)}").`, `the TODO(lab 10) in ${consoleFile} done`, consoleFile);
  }
}

/** A temp file the probe writes its report to (its directory is removed after the last test). */
let reportDir: string | undefined;
function reportFile(): string {
  reportDir ??= mkdtempSync(join(tmpdir(), 'fdlab-lab10-'));
  const file = join(reportDir, 'report.json');
  rmSync(file, { force: true });
  process.env.FDLAB_CHECK_REPORT = file;
  return file;
}

function readReport(file: string): ProbeReport | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ProbeReport) : undefined;
}

interface Relayed {
  name: string | undefined;
  output: string;
  /** What the relay threw, if it did. */
  error: unknown;
  /** True when it neither resolved nor threw within RELAY_MS of the console's end. */
  hung: boolean;
}

/**
 * Runs a relay and collects what it passes on. It is hung if it has not
 * returned RELAY_MS after `ender` exited (the process whose exit ends the
 * console), or after it started when no process has to end first: the
 * clock starts at an event, so a slow start under load never looks like a
 * hang.
 */
async function relayWith(relay: ConsoleModule['relayConsole'], sock: number, ender?: Tracked): Promise<Relayed> {
  const result: Relayed = { name: undefined, output: '', error: undefined, hung: false };
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  // exit() fails after CHILD_MS: a process that never ends starts the clock then.
  const ended = ender === undefined ? Promise.resolve() : ender.exit(CHILD_MS).catch(() => undefined);
  const late = ended.then(
    () =>
      new Promise<'late'>((resolve) => {
        if (!done) timer = setTimeout(() => resolve('late'), RELAY_MS);
      }),
  );
  // Through a then, so a relay that throws before its first await is caught like one that rejects.
  const relaying = Promise.resolve().then(() => relay(sock, (chunk) => (result.output += chunk.toString())));
  relays.push(relaying.catch(() => undefined));
  try {
    const outcome = await Promise.race([relaying, late]);
    if (outcome === 'late') result.hung = true;
    else result.name = outcome;
  } catch (error) {
    result.error = error;
  } finally {
    done = true;
    clearTimeout(timer);
  }
  return result;
}

/** Runs `command args` through a startOnConsole, with its ChildProcess tracked. */
async function startWith(start: ConsoleModule['startOnConsole'], sock: number, command: string, args: string[]): Promise<Tracked> {
  const child = await start(sock, command, args);
  lab.require(
    typeof child === 'object' && child !== null && typeof child.once === 'function',
    `startOnConsole resolved with ${String(child)}.`,
    'the ChildProcess that spawn returns',
    consoleFile,
  );
  return track(child);
}

/** Your startOnConsole, failing with what it threw, if it did. */
async function startMine(sock: number, command: string, args: string[]): Promise<Tracked> {
  const { startOnConsole } = await mine();
  try {
    return await startWith(startOnConsole, sock, command, args);
  } catch (error) {
    failIfNotWritten(error, 'startOnConsole');
    return lab.fail(`startOnConsole threw: ${messageOf(error)}`, 'it to start the command on a new pty and send the master', consoleFile);
  }
}

// ---------------------------------------------------------------- the check

describe(`lab 10: a console over a socket (${ptyFile}, ${consoleFile})`, function () {
  this.timeout(40_000);

  // pty fds open before the test (a terminal the check runs in, say) are
  // not the test's; any other left open is, and would keep the check alive.
  let before = new Set<number>();
  beforeEach(() => {
    before = new Set(ptyFds());
  });

  afterEach(async () => {
    await reapAll();
    for (const entry of owned.splice(0)) {
      if (fdTarget(entry.fd) === entry.link) lab.reference.closeFd(entry.fd);
    }
    delete process.env.FDLAB_CHECK_REPORT;
    // Slaves first: with every slave closed, a relay still reading its
    // master gets EIO and closes it itself.
    for (const fd of ptyFds('slave').filter((fd) => !before.has(fd))) closeSync(fd);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled(relays.splice(0)), new Promise((resolve) => (timer = setTimeout(resolve, 3000)))]);
    clearTimeout(timer);
    for (const fd of ptyFds().filter((fd) => !before.has(fd))) closeSync(fd);
  });

  after(() => {
    if (reportDir !== undefined) rmSync(reportDir, { recursive: true, force: true });
  });

  describe(`fdlab_openpty (${ptyFile})`, () => {
    it('opens a pty master, and nothing else', () => {
      const ptysBefore = ptyFds();
      const { master } = openPtyMine();
      const link = fdTarget(master);
      lab.require(link !== undefined, `the master it returned, fd ${master}, is not open.`, 'the fd posix_openpt returned, in *master', ptyFile);
      lab.require(
        PTY_MASTER_PATHS.includes(link!),
        `the master it returned, fd ${master}, is ${link}, not a pty master (${PTY_MASTER_PATHS.join(' or ')}).`,
        link!.startsWith('/dev/pts/') ? 'the master in *master: the slave is only named, in slave_path' : 'posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC) in *master',
        ptyFile,
      );
      // Pty fds only, either end: what else this process opens meanwhile
      // (tsx's cache, on other threads) is not openPty's.
      const opened = ptyFds().filter((fd) => !ptysBefore.includes(fd));
      lab.require(
        opened.length === 1,
        `one call left ${opened.length} new fds on a pty open (${opened.map((fd) => `fd ${fd}: ${fdTarget(fd)}`).join(', ')}).`,
        'exactly one: the master (the slave is not opened here)',
        ptyFile,
      );
    });

    it('marks the master close-on-exec, so the command on the console never inherits it', () => {
      const { master } = openPtyMine();
      lab.require(
        fdFlags(master).cloexec,
        `the master, fd ${master}, is not close-on-exec: every program this process starts would hold the console's master.`,
        'O_CLOEXEC in the flags given to posix_openpt',
        ptyFile,
      );
    });

    it('names its slave, unlocked: a terminal that is the other end of this master', async () => {
      const { master, slavePath } = openPtyMine();
      lab.require(
        /^\/dev\/pts\/\d+$/.test(slavePath),
        `slave_path is ${JSON.stringify(slavePath)}.`,
        'the slave\'s path, /dev/pts/N, from ptsname_r(master, slave_path, cap)',
        ptyFile,
      );
      lab.require(existsSync(slavePath), `${slavePath} does not exist.`, 'the path ptsname_r gives for this master', ptyFile);
      const slave = openSlave(slavePath, ptyFile);
      lab.require(isatty(slave), `${slavePath}, opened, is not a terminal.`, 'the slave of the new pty', ptyFile);
      // What goes into the slave comes out of its master, or the two are not a pair.
      const marker = `fdlab-${random.int(100000, 999999)}`;
      writeSync(slave, `${marker}\n`);
      release(slave);
      const stream = new ReadStream(master);
      owned.splice(owned.findIndex((e) => e.fd === master), 1); // the stream owns it now
      let output = '';
      const arrived = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), RELAY_MS);
        stream.on('data', (chunk: Buffer) => {
          output += chunk;
          if (output.includes(marker)) {
            clearTimeout(timer);
            resolve(true);
          }
        });
        stream.on('error', () => {
          clearTimeout(timer);
          resolve(output.includes(marker));
        });
      });
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        stream.destroy();
      });
      lab.require(arrived, `"${marker}" written to ${slavePath} did not come out of the master (it gave ${shown(output)}).`, `slave_path naming the slave of *this* master: ptsname_r(master, ...)`, ptyFile);
    });

    it('closes the master when a later step fails, and reports the error', async () => {
      openPtyMine(); // a stub fails here, named, before the child runs
      const result = await openPtyWithFailingUnlock();
      lab.require(
        result.threw !== null,
        'openPty() succeeded although the check made unlockpt fail with EIO (or it never called unlockpt).',
        'check what grantpt, unlockpt and ptsname_r return, and return -1 when one fails',
        ptyFile,
      );
      lab.require(
        result.threw === 'EIO',
        `with unlockpt failing with EIO, openPty() threw: ${result.message}`,
        'errno as unlockpt left it (save errno before close, which may change it)',
        ptyFile,
      );
      lab.require(
        result.leaked === 0,
        `with unlockpt failing, openPty() threw but left ${result.leaked} fd(s) open: the master leaked.`,
        'close(master) on every error path after posix_openpt',
        ptyFile,
      );
    });
  });

  describe(`startOnConsole: the child side (${consoleFile})`, () => {
    it('runs the command with the slave as its stdin, stdout and stderr, in a session of its own', async () => {
      const [ours, theirs] = pair();
      const report = reportFile();
      const command = await startMine(theirs, 'python3', ['-c', PROBE]);
      const relayed = await relayWith((await reference()).relayConsole, ours, command);
      await waitForExit(command, consoleFile);
      if (relayed.hung) {
        const slaves = ptyFds('slave').filter((fd) => !before.has(fd));
        lab.fail(
          `the console never ended: the command exited, but ${slaves.length > 0 ? `this process still holds the slave open (fd ${slaves.join(', ')})` : 'the master still had a slave open'}; it relayed ${shown(relayed.output)}.`,
          'closeSync(slave) right after spawn: the parent sees the end only when every copy of the slave is closed',
          consoleFile,
        );
      }
      const probe = readReport(report);
      if (probe === undefined) {
        lab.fail(`the command did not run (it wrote no report); it said:\n    ${command.lastOutput()}`, 'spawn(command, args, ...) with the command and args given', consoleFile);
      }
      const names = ['stdin', 'stdout', 'stderr'];
      probe!.fds.forEach((fd, i) => {
        const kind = fd.link === null ? 'not open' : /^(pipe|socket):/.test(fd.link) ? `a pipe to this process (${fd.link})` : fd.link;
        lab.require(
          fd.tty && fd.link !== null && fd.link.startsWith('/dev/pts/'),
          `the command's ${names[i]} (fd ${i}) is ${fd.tty ? fd.link : `${kind}, not a terminal`}.`,
          `the pty's slave as fds 0, 1 and 2: spawn(command, args, { stdio: [slave, slave, slave] })`,
          consoleFile,
        );
      });
      lab.require(
        probe!.masters.length === 0,
        `the command holds a pty master (fd ${probe!.masters.join(', ')}).`,
        'only the slave given to the command: the master stays close-on-exec and is sent, not inherited',
        consoleFile,
      );
      lab.require(
        probe!.ownSession,
        'the command runs in our session, not one of its own.',
        'spawn(..., { detached: true }): setsid() in the child, as a container\'s init gets',
        consoleFile,
      );
      lab.require(
        relayed.output.startsWith('isatty True True /dev/pts/'),
        `the console relayed ${shown(relayed.output)}.`,
        '"isatty True True /dev/pts/N" printed by the command and read through the master',
        consoleFile,
      );
    });

    it('sends the master with the console\'s name, and keeps no copy of the master or the slave', async () => {
      const [ours, theirs] = pair();
      const masters = fdsPointingAt(PTY_MASTER_PATHS).length;
      const command = await startMine(theirs, 'python3', ['-c', 'import sys; sys.stdin.read()']);
      const received = lab.reference.recvFdsSync(ours, { maxFds: 4, timeoutMs: RELAY_MS });
      lab.require(received !== null, 'startOnConsole sent nothing, and the socket was closed.', 'sendFds(sock, [master], slavePath)', consoleFile);
      received!.fds.forEach(own);
      lab.require(received!.fds.length === 1, `${received!.fds.length} fds arrived on the socket.`, 'exactly one: sendFds(sock, [master], slavePath)', consoleFile);
      const master = received!.fds[0]!;
      const name = received!.data.toString();
      lab.require(
        PTY_MASTER_PATHS.includes(fdTarget(master) ?? ''),
        `the fd that arrived is ${fdTarget(master)}, not a pty master.`,
        'the master from openPty(), sent: the slave is the command\'s',
        consoleFile,
      );
      let stdin: string | undefined;
      try {
        stdin = readlinkSync(`/proc/${command.child.pid}/fd/0`);
      } catch {
        stdin = undefined;
      }
      lab.require(
        /^\/dev\/pts\/\d+$/.test(name) && stdin === name,
        `the data sent with the master is ${JSON.stringify(name)}, but the command's stdin is ${stdin ?? 'not open'}.`,
        'the slave\'s path as the data: sendFds(sock, [master], slavePath)',
        consoleFile,
      );
      const slaves = fdsPointingAt([name]);
      lab.require(
        slaves.length === 0,
        `this process still holds the slave ${name} open (fd ${slaves.join(', ')}): the parent would never see the console end.`,
        'closeSync(slave) right after spawn (the command has its own copies)',
        consoleFile,
      );
      const left = fdsPointingAt(PTY_MASTER_PATHS).length - masters - 1;
      lab.require(
        left <= 0,
        `this process still holds ${left} pty master(s) besides the one it sent.`,
        'closeFd(master) once it is sent (the receiver has its own)',
        consoleFile,
      );
      command.child.kill('SIGKILL');
    });
  });

  describe(`relayConsole: the parent side (${consoleFile})`, () => {
    it('relays everything the command prints, ends when the console does (EIO), and closes the master', async () => {
      const { relayConsole } = await mine();
      const [ours, theirs] = pair();
      const lines = random.int(200, 3000);
      const tag = `fdlab-${random.int(100000, 999999)}`;
      const mastersBefore = ptyFds('master');
      const command = await startWith((await reference()).startOnConsole, theirs, 'python3', printer(lines, tag));
      const relayed = await relayWith(relayConsole, ours, command);
      if (relayed.error !== undefined) {
        failIfNotWritten(relayed.error, 'relayConsole');
        const code = (relayed.error as { code?: string }).code;
        lab.fail(
          `relayConsole threw: ${messageOf(relayed.error)} (after relaying ${shown(relayed.output)}).`,
          code === 'EIO' ? 'EIO from the master as end-of-file: every slave is closed, the command is done' : 'it to relay the console and return its name',
          consoleFile,
        );
      }
      lab.require(
        !relayed.hung,
        `relayConsole had not returned ${RELAY_MS / 1000} s after the command's last line; it relayed ${shown(relayed.output)}.`,
        'it to return once reading the master fails with EIO (every slave closed)',
        consoleFile,
      );
      await waitForExit(command, consoleFile);
      const expected = Array.from({ length: lines }, (_, i) => `${tag} ${i}\r\n`).join('');
      if (relayed.output !== expected) {
        const got = relayed.output.split('\r\n').filter((l) => l !== '').length;
        lab.fail(
          `of the command's ${lines} lines, ${got} came through, ending ${shown(relayed.output.slice(-120))}.`,
          `every line, each ending in \\r\\n (the line discipline turns \\n into \\r\\n), ending ${shown(expected.slice(-40))}`,
          consoleFile,
        );
      }
      lab.require(
        typeof relayed.name === 'string' && /^\/dev\/pts\/\d+$/.test(relayed.name),
        `relayConsole returned ${JSON.stringify(relayed.name)}.`,
        'the console\'s name: the data that came with the master, as a string',
        consoleFile,
      );
      // The reference startOnConsole closed its copy before it returned:
      // any new master left is the one relayConsole received.
      const left = ptyFds('master').filter((fd) => !mastersBefore.includes(fd));
      lab.require(
        left.length === 0,
        `after relayConsole returned, this process still holds the console's master (fd ${left.join(', ')}).`,
        'the master closed before returning: closeFd(master) in a finally around the read loop',
        consoleFile,
      );
    });

    it('fails, rather than waiting forever, when the socket closes before a console arrives', async () => {
      const { relayConsole } = await mine();
      const [ours, theirs] = pair();
      release(theirs);
      const relayed = await relayWith(relayConsole, ours);
      if (relayed.error !== undefined) failIfNotWritten(relayed.error, 'relayConsole');
      lab.require(!relayed.hung, `relayConsole was still waiting ${RELAY_MS / 1000} s after the socket closed.`, 'recvFds gives null at end-of-file: throw an Error', consoleFile);
      lab.require(relayed.error instanceof Error, `relayConsole returned ${JSON.stringify(relayed.name)} though no console came.`, 'recvFds gives null at end-of-file: throw an Error', consoleFile);
    });
  });

  describe('both sides, across two processes', () => {
    it('a command on the console in a child process reports a terminal to the parent', async () => {
      const { relayConsole } = await mine();
      const [ours, theirs] = pair();
      const report = reportFile();
      // The child side in a process of its own, like runC's init: your
      // startOnConsole with the socket as fd 3, waiting for its command.
      const script = `
        import { startOnConsole } from ${JSON.stringify(pathToFileURL(join(root, lab.tree, '10-console/console.ts')).href)};
        const command = await startOnConsole(3, 'python3', ['-c', ${JSON.stringify(PROBE)}]);
        command.on('exit', (code) => process.exit(code ?? 1));
      `;
      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.FDLAB_TREE; // everything but console.ts from the reference
      const child = track(
        spawn(process.execPath, [...TS_LOADER, '--input-type=module', '-e', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe', theirs] }),
      );
      release(theirs);
      const relayed = await relayWith(relayConsole, ours, child);
      if (relayed.error !== undefined || relayed.hung) {
        lab.fail(
          `relayConsole ${relayed.hung ? `was still running ${RELAY_MS / 1000} s after the child exited` : `threw ${messageOf(relayed.error)}`}; it relayed ${shown(relayed.output)}; the child said:\n    ${child.lastOutput()}`,
          'the command\'s output relayed, and relayConsole returning when the command is done',
          consoleFile,
        );
      }
      const exit = await waitForExit(child, consoleFile);
      lab.require(exit === 'code 0', `the child running startOnConsole exited with ${exit}; it said:\n    ${child.lastOutput()}`, 'the command run and exit code 0', consoleFile);
      const probe = readReport(report);
      const stdout = probe?.fds[1];
      lab.require(
        /^isatty True True \/dev\/pts\/\d+\r\n$/.test(relayed.output),
        `through the master came ${shown(relayed.output)}${stdout !== undefined && !stdout.tty ? `: the command's stdout is ${/^(pipe|socket):/.test(stdout.link ?? '') ? 'a pipe' : stdout.link}, not a terminal` : ''}.`,
        '"isatty True True /dev/pts/N\\r\\n": the command on the slave, its output read through the master',
        consoleFile,
      );
    });
  });
});
