// Lab 05 solution: the seed demo, end to end, done right.
//
//   node --import tsx solutions/05-demo/demo.ts          (or: make demo)
//
// The parent makes a temp dir and a socketpair, and spawns this same file as
// its child with one end as fd 3. The child creates a file in the temp dir,
// writes "hello from child" and sends the open file over the socket with
// SCM_RIGHTS. The parent shows both fd tables (the same open file in each,
// under different numbers), reads the file through the fd it received,
// tells the child it is done (the child waits for that word, like runC's
// init on its sync socket), reaps it and removes the temp dir. Unlike the
// seed, nothing is left behind on any path: a child that dies before
// sending is noticed at once (end-of-file), one that never sends hits a 5 s
// timeout, and either way the child is killed and reaped and the temp dir
// removed.
//
// See: socketpair(2), sendmsg(2), recvmsg(2), unix(7), wait(2).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fdTablesView, writeRunDiagram } from '../../kit/demo-views.ts';
import { closeFd, recvFds, sendFdsSync, socketpair } from '../../native/index.ts';
import { inheritedSocket } from '../02-spawn/child.ts';
import { spawnWithSocket } from '../02-spawn/spawn.ts';

// How long the parent waits for the child's file. Tests and checks set
// FDLAB_DEMO_RECEIVE_TIMEOUT_MS: short where they make the child hang on
// purpose, long where a busy machine must not trip it.
const RECEIVE_TIMEOUT_MS = Number(process.env.FDLAB_DEMO_RECEIVE_TIMEOUT_MS) || 5000;
const EXIT_TIMEOUT_MS = 5000;
/**
 * Test hook: makes the child fail on purpose ('exit-before-send' or
 * 'hang-before-send'), or pause at a step until its parent closes the socket
 * ('pause-after-write', 'pause-after-send'), so a test can kill either side there.
 */
const FAULT_ENV = 'FDLAB_DEMO_FAULT';

function say(role: 'parent' | 'child', text: string): void {
  process.stdout.write(`[${role} ${process.pid}] ${text}\n`);
}

class DemoError extends Error {}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

function describeExit({ code, signal }: Exit): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
}

/** Resolves when the child has exited and been reaped (libuv waits for it). */
function exitOf(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function runParent(): Promise<void> {
  say('parent', `pid ${process.pid}`);
  const tempDir = mkdtempSync(join(tmpdir(), 'fdlab-demo-'));
  say('parent', `made temp dir ${tempDir}`);
  let parentEnd = -1;
  let child: ChildProcess | undefined;
  try {
    const [ours, childEnd] = socketpair('stream');
    parentEnd = ours;
    say('parent', `socketpair: fd ${ours} (ours) and fd ${childEnd} (the child's), both close-on-exec`);

    const self = fileURLToPath(import.meta.url);
    child = spawnWithSocket(process.execPath, [...process.execArgv, self, 'child', tempDir], childEnd);
    const spawnError = new Promise<never>((_, reject) =>
      child!.once('error', (error) => reject(new DemoError(`could not start the child: ${error.message}`))),
    );
    say('parent', `spawned child pid ${child.pid} with fd ${childEnd} as its fd 3; closed our copy of fd ${childEnd}`);

    say('parent', `waiting up to ${RECEIVE_TIMEOUT_MS} ms on fd ${ours} for the child's file`);
    let message;
    try {
      message = await Promise.race([recvFds(ours, { maxFds: 1, timeoutMs: RECEIVE_TIMEOUT_MS }), spawnError]);
    } catch (error) {
      if ((error as { code?: string }).code === 'ETIMEDOUT') {
        throw new DemoError(`the child (pid ${child.pid}) sent nothing within ${RECEIVE_TIMEOUT_MS} ms`);
      }
      throw error;
    }
    if (message === null) {
      // End-of-file: every copy of the child's end is closed, so the child is
      // gone (or closed it). Its exit status says why.
      const exit = await within(exitOf(child), EXIT_TIMEOUT_MS);
      const how = exit === undefined ? 'closed its socket' : describeExit(exit);
      throw new DemoError(`the child (pid ${child.pid}) ${how} before sending a file`);
    }
    const [fileFd] = message.fds;
    if (fileFd === undefined) {
      throw new DemoError(`the child sent ${message.data.length} byte(s) but no fd`);
    }
    say('parent', `recvmsg: ${message.data.length} byte(s) and fd ${fileFd} (SCM_RIGHTS), close-on-exec`);
    // The child holds its copy until we say we are done, so both tables show it.
    const tables = fdTablesView(process.pid, child.pid!, fileFd);
    say('parent', `both fd tables now (from /proc/<pid>/fd and fdinfo):\n${tables.text}`);
    // readFileSync(fd) reads from the file's current offset, which the child
    // left at 0: we share one open file description with it, offset included.
    const text = readFileSync(fileFd, 'utf8').trim();
    closeFd(fileFd);
    say('parent', `parent got: ${text}`);
    // Like runC's sync messages: the child waits for our word before it exits.
    // A child that is already gone cannot hear it; reaping it says why.
    try {
      sendFdsSync(ours, [], 'done');
      say('parent', `told the child we are done ("done" over fd ${ours})`);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'EPIPE' && code !== 'ECONNRESET') throw error;
    }

    const exit = await within(exitOf(child), EXIT_TIMEOUT_MS);
    if (exit === undefined) throw new DemoError(`the child (pid ${child.pid}) did not exit`);
    if (exit.code !== 0) throw new DemoError(`the child (pid ${child.pid}) ${describeExit(exit)}`);
    say('parent', `reaped child pid ${child.pid} (exit code 0)`);
    const diagram = writeRunDiagram({
      parentPid: process.pid,
      childPid: child.pid!,
      parentEnd: ours,
      childEnd,
      childFileFd: tables.childFd ?? -1,
      parentFileFd: fileFd,
      tempDir,
    });
    say('parent', `the sequence diagram of this run: ${diagram}`);
  } finally {
    if (parentEnd >= 0) closeFd(parentEnd);
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      const exit = await exitOf(child);
      say('parent', `killed and reaped child pid ${child.pid} (${describeExit(exit)})`);
    }
    rmSync(tempDir, { recursive: true, force: true });
    say('parent', `removed ${tempDir}`);
  }
}

/** Waits for end-of-file on sock: the parent closed its end, or died. */
async function pauseUntilEof(sock: number, step: string): Promise<void> {
  say('child', `pausing ${step} until the parent closes its end (FDLAB_DEMO_FAULT)`);
  for (let message = await recvFds(sock); message !== null; message = await recvFds(sock)) {
    message.fds.forEach(closeFd);
  }
  say('child', 'end-of-file: the parent closed its end; going on');
}

/** Waits for the parent's "done" (or its end-of-file, if it died) before the child exits. */
async function awaitParentsWord(sock: number): Promise<void> {
  say('child', 'waiting for the parent\'s word before closing my copy and exiting');
  const word = await recvFds(sock, { maxFds: 1 });
  word?.fds.forEach(closeFd);
  say('child', word === null ? 'end-of-file: the parent is gone' : `the parent says "${word.data}"`);
}

async function runChild(tempDir: string): Promise<void> {
  const sock = inheritedSocket();
  say('child', `pid ${process.pid}, parent ${process.ppid}; fd ${sock} is my end of the socketpair`);
  const fault = process.env[FAULT_ENV];
  if (fault === 'exit-before-send') {
    say('child', 'exiting before sending (FDLAB_DEMO_FAULT)');
    process.exit(3);
  }
  if (fault === 'hang-before-send') {
    say('child', 'never sending (FDLAB_DEMO_FAULT)');
    setInterval(() => {}, 60_000);
    return;
  }

  const path = join(tempDir, 'from-child.txt');
  const fileFd = openSync(path, 'wx+', 0o600);
  // Written at position 0 (pwrite), so the file offset, which the parent
  // will share, stays at 0 and the parent reads from the start. The seed
  // writes and then seeks back to 0 for the same reason.
  writeSync(fileFd, 'hello from child\n', 0);
  say('child', `wrote "hello from child" to ${path} (fd ${fileFd})`);
  if (fault === 'pause-after-write') await pauseUntilEof(sock, 'after writing, before sending');
  sendFdsSync(sock, [fileFd]);
  say('child', `sendmsg: fd ${fileFd} with one byte over fd ${sock} (SCM_RIGHTS)`);
  if (fault === 'pause-after-send') await pauseUntilEof(sock, 'after sending');
  await awaitParentsWord(sock);
  // Sending gave the parent its own reference; ours can go.
  closeFd(fileFd);
  closeFd(sock);
}

if (process.argv[2] === 'child') {
  await runChild(process.argv[3] ?? '');
} else {
  runParent().catch((error: unknown) => {
    const text = error instanceof DemoError ? error.message : String((error as Error)?.stack ?? error);
    process.stderr.write(`[parent ${process.pid}] error: ${text}\n`);
    process.exitCode = 1;
  });
}
