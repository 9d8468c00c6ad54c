// Lab 05: the seed demo, end to end, on your own pieces.
// Read labs/05-demo/README.md first; check your work with `make lab-5`.
//
//   FDLAB_TREE=labs node --import tsx labs/05-demo/demo.ts
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
// Everything is given except the steps marked TODO(lab 5): the fd passing
// and the lifecycle around it. With FDLAB_TREE=labs they run on your own
// socketpair, sendmsg and recvmsg (labs 1, 3, 4) and your spawn (lab 2).
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

// TODO(lab 5): the stub's placeholders. Each step you write replaces one
// call to them (their extra arguments are what that step uses); delete both
// functions once no call is left. A missing step throws; the missing
// cleanup only says so, so it never hides the error that led to it.
function unwritten(step: string, ..._uses: unknown[]): never {
  throw new DemoError(`${step} is not written yet: see TODO(lab 5) in labs/05-demo/demo.ts`);
}
function unwrittenCleanup(step: string, ..._uses: unknown[]): void {
  process.stderr.write(`[parent ${process.pid}] ${step} is not written yet: see TODO(lab 5) in labs/05-demo/demo.ts\n`);
  process.exitCode = 1;
}

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
  // TODO(lab 5): step 1. A new, private directory for the child's file:
  // mkdtempSync with the prefix join(tmpdir(), 'fdlab-demo-').
  const tempDir: string = unwritten('step 1 (the temp dir)', mkdtempSync, tmpdir);
  say('parent', `made temp dir ${tempDir}`);
  let parentEnd = -1;
  let child: ChildProcess | undefined;
  try {
    // TODO(lab 5): step 2. A 'stream' socketpair (your lab 1): the first
    // end is ours, the second the child's.
    const [ours, childEnd]: [number, number] = unwritten('step 2 (the socketpair)', socketpair);
    parentEnd = ours;
    say('parent', `socketpair: fd ${ours} (ours) and fd ${childEnd} (the child's), both close-on-exec`);

    const self = fileURLToPath(import.meta.url);
    // TODO(lab 5): step 3. Start this same file as the child, with childEnd
    // as its fd 3 (spawnWithSocket, your lab 2): run process.execPath with
    // the arguments [...process.execArgv, self, 'child', tempDir].
    child = unwritten('step 3 (spawning the child)', spawnWithSocket, self) as ChildProcess;
    const spawnError = new Promise<never>((_, reject) =>
      child!.once('error', (error) => reject(new DemoError(`could not start the child: ${error.message}`))),
    );
    say('parent', `spawned child pid ${child.pid} with fd ${childEnd} as its fd 3; closed our copy of fd ${childEnd}`);

    say('parent', `waiting up to ${RECEIVE_TIMEOUT_MS} ms on fd ${ours} for the child's file`);
    let message;
    try {
      // TODO(lab 5): step 4. Receive one message and at most one fd on
      // `ours`, giving up after RECEIVE_TIMEOUT_MS (recvFds with maxFds and
      // timeoutMs; your lab 4 underneath).
      message = await Promise.race([unwritten('step 4 (receiving the file)', recvFds) as ReturnType<typeof recvFds>, spawnError]);
    } catch (error) {
      if ((error as { code?: string }).code === 'ETIMEDOUT') {
        throw new DemoError(`the child (pid ${child.pid}) sent nothing within ${RECEIVE_TIMEOUT_MS} ms`);
      }
      throw error;
    }
    // TODO(lab 5): step 5. null is end-of-file: every copy of the child's
    // end is closed, so the child is gone. Wait up to EXIT_TIMEOUT_MS for its exit
    // (within(exitOf(child), EXIT_TIMEOUT_MS)) and throw a DemoError saying how it
    // ended: `the child (pid ${child.pid}) ${how} before sending a file`,
    // where `how` is describeExit(exit), or 'closed its socket' if it has
    // not exited yet.
    if (message === null) unwritten('step 5 (a child that ended without sending)', within, exitOf, describeExit);
    // TODO(lab 5): step 6. The fd that came with the message; a message
    // without one is an error too (throw a DemoError).
    const fileFd: number = unwritten('step 6 (the received fd)', message);
    say('parent', `recvmsg: ${message.data.length} byte(s) and fd ${fileFd} (SCM_RIGHTS), close-on-exec`);
    // The child holds its copy until we say we are done, so both tables show it.
    const tables = fdTablesView(process.pid, child.pid!, fileFd);
    say('parent', `both fd tables now (from /proc/<pid>/fd and fdinfo):\n${tables.text}`);
    // TODO(lab 5): step 7. Read the file through fileFd as UTF-8 text
    // (readFileSync(fileFd, 'utf8'), trimmed), then close fileFd.
    const text: string = unwritten('step 7 (reading through the fd)', readFileSync, closeFd);
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

    // TODO(lab 5): step 8. Reap the child: wait up to EXIT_TIMEOUT_MS for
    // its exit (within, exitOf). Throw a DemoError if it has not exited, or
    // if it exited with anything but code 0 (say how, with describeExit).
    await unwritten('step 8 (reaping the child)', EXIT_TIMEOUT_MS);
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
    // TODO(lab 5): step 9. Clean up on every path, success or error:
    //   - close our end (parentEnd), if we got that far;
    //   - a child that is still running (child.pid set, child.exitCode and
    //     child.signalCode both null): kill it with SIGKILL, wait for its
    //     exit (exitOf), then say('parent', `killed and reaped child pid
    //     ${child.pid} (${describeExit(exit)})`);
    //   - remove the temp dir and all in it (rmSync, recursive and force).
    unwrittenCleanup('step 9 (cleaning up)', parentEnd, child, rmSync);
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
  // TODO(lab 5): step 10. Your end of the socketpair: inheritedSocket()
  // (your lab 2) finds it at fd 3 and checks it is a socket.
  const sock: number = unwritten('step 10 (the inherited socket)', inheritedSocket);
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
  // TODO(lab 5): step 11. Create the file at `path`, for reading and
  // writing, failing if it exists, private to you (openSync(path, 'wx+',
  // 0o600)), and write 'hello from child\n' into it AT POSITION 0
  // (writeSync's third argument): a write without a position moves the
  // file offset, which the parent will share.
  const fileFd: number = unwritten('step 11 (the file)', openSync, writeSync, path);
  say('child', `wrote "hello from child" to ${path} (fd ${fileFd})`);
  if (fault === 'pause-after-write') await pauseUntilEof(sock, 'after writing, before sending');
  // TODO(lab 5): step 12. Send fileFd over sock (sendFdsSync, your lab 3);
  // with no data it sends the one byte the fd needs to ride on.
  unwritten('step 12 (sending the fd)', sendFdsSync);
  say('child', `sendmsg: fd ${fileFd} with one byte over fd ${sock} (SCM_RIGHTS)`);
  if (fault === 'pause-after-send') await pauseUntilEof(sock, 'after sending');
  await awaitParentsWord(sock);
  // TODO(lab 5): step 13. Close fileFd and sock: the parent has its own
  // reference to the file now.
  unwritten('step 13 (closing)', closeFd);
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
