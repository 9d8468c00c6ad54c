// Lab 08 solution: the leak you don't see. An fd without FD_CLOEXEC is
// inherited by every program a process starts, and by theirs: here a middle
// process receives a secret file over its socket, starts a grandchild, and
// either leaks the secret into it or does not.
//
// Four pieces: readFdTable (what /proc/<pid>/fd says a process holds: how
// the leak is seen), closeOnExecFrom (runC's sweep: every fd from `lowest`
// up marked close-on-exec before exec), spawnGrandchild (the one fd the
// grandchild should have, handed on at a known number, not by leaking) and
// prepareForSpawn (the leak reproduced, then fixed).
//
// Run it to see both cases side by side:
//   node --import tsx solutions/08-cloexec/leak.ts
//
// See: fcntl(2) (FD_CLOEXEC), execve(2) (fds stay open across execve
// unless marked close-on-exec), proc(5) (/proc/pid/fd), dup2(2),
// recvmsg(2) (MSG_CMSG_CLOEXEC).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setCloexec } from '../../native/bonus.ts';
import { closeFd, recvFds, sendFds, socketpair } from '../../native/index.ts';

/** The fd number the grandchild finds the fd handed on to it at. */
export const HANDED_FD = 3;
/** The environment variable that tells the grandchild where that fd is. */
export const HANDED_FD_ENV = 'FDLAB_HANDED_FD';
/** The environment variable that tells the middle where its socket is (lab 02). */
export const SOCK_FD_ENV = 'FDLAB_SOCK_FD';
/** The environment variable naming the file the middle's "old library" opens. */
export const LIBRARY_FILE_ENV = 'FDLAB_LIBRARY_FILE';

export interface FdLink {
  fd: number;
  /** What the fd points at: a path, socket:[inode], pipe:[inode], anon_inode:[eventpoll] ... */
  target: string;
}

/** The fd table of process `pid` (or of this process), in fd order, from /proc/<pid>/fd. */
export function readFdTable(pid: number | 'self' = 'self'): FdLink[] {
  const dir = `/proc/${pid}/fd`;
  const table: FdLink[] = [];
  for (const name of readdirSync(dir)) {
    let target: string;
    try {
      target = readlinkSync(`${dir}/${name}`);
    } catch (error) {
      // readdirSync listed its own fd on the directory, then closed it; in
      // another process any fd may close between the listing and the look.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    table.push({ fd: Number(name), target });
  }
  // The kernel lists /proc/<pid>/fd in fd order, but readdir promises no order.
  return table.sort((a, b) => a.fd - b.fd);
}

/**
 * Marks every fd of this process from `lowest` up close-on-exec, as runC
 * does (libcontainer's CloseExecFrom(3)) before it execs the container's
 * process: whatever this process inherited or received without FD_CLOEXEC,
 * nothing of it reaches the next program. The fds below `lowest` are left
 * as they are.
 */
export function closeOnExecFrom(lowest: number): void {
  for (const { fd } of readFdTable('self')) {
    if (fd < lowest) continue;
    try {
      setCloexec(fd, true);
    } catch (error) {
      // Closed since the listing (by another thread of the runtime): it
      // cannot leak any more, which is all we wanted.
      if ((error as { code?: string }).code !== 'EBADF') throw error;
    }
  }
}

export interface SpawnGrandchildOptions {
  /** The grandchild's stdin, stdout, stderr (default: inherit all three). */
  stdio?: 'inherit' | 'pipe' | 'ignore';
}

/**
 * Starts `command args` with `handOn` as its fd 3 and FDLAB_HANDED_FD=3 in
 * its environment. `handOn` stays the caller's to close.
 */
export function spawnGrandchild(
  command: string,
  args: readonly string[],
  handOn: number,
  options: SpawnGrandchildOptions = {},
): ChildProcess {
  const std = options.stdio ?? 'inherit';
  // libuv dup2()s handOn onto the grandchild's fd 3 between fork and exec,
  // and dup2 gives the copy no FD_CLOEXEC: the one fd meant for the
  // grandchild arrives even though ours is close-on-exec, at a number it
  // knows, and nothing else rides along.
  return spawn(command, args, {
    stdio: [std, std, std, handOn],
    env: { ...process.env, [HANDED_FD_ENV]: String(HANDED_FD) },
  });
}

/** 'leaky' reproduces the leak; 'fixed' is what a careful middle does. */
export type Mode = 'leaky' | 'fixed';

/** What the middle does to its fds between receiving `received` and starting the grandchild. */
export function prepareForSpawn(mode: Mode, received: readonly number[]): void {
  if (mode === 'leaky') {
    // What a recvmsg without MSG_CMSG_CLOEXEC leaves: fds open across exec.
    for (const fd of received) setCloexec(fd, false);
  } else {
    // Not just the fds we received: an fd some library opened without
    // O_CLOEXEC is ours too, and we may not even know it exists.
    closeOnExecFrom(3);
  }
}

// ------------------------------------------------------------------
// The rest is given: the middle process and a demo that runs it.

function say(who: string, text: string): void {
  process.stdout.write(`[${who} ${process.pid}] ${text}\n`);
}

/**
 * Stands in for a library you do not control that opens a file without
 * O_CLOEXEC, as many C libraries still do: its fd leaks into every program
 * this process starts, and nothing in our own code mentions it.
 */
function openLikeAnOldLibrary(path: string): number {
  const fd = openSync(path, 'r');
  setCloexec(fd, false);
  return fd;
}

function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('error', (error) => {
      say('middle', `could not start the grandchild: ${error.message}`);
      resolve(127);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal !== null ? 128 : 1)));
  });
}

/**
 * The middle process: receives two fds over the socket at FDLAB_SOCK_FD
 * (the secret, for itself, and one to hand on), lets an "old library" open
 * the file FDLAB_LIBRARY_FILE names (if set), prepares its fds as `mode`
 * says, starts the grandchild `command args` with the second fd as its fd 3,
 * closes its own copies and waits. Resolves to the grandchild's exit code.
 */
export async function middle(mode: Mode, command: string, args: readonly string[]): Promise<number> {
  const sock = Number(process.env[SOCK_FD_ENV] ?? '3');
  // The reference recvFds gives every fd FD_CLOEXEC (MSG_CMSG_CLOEXEC).
  const message = await recvFds(sock, { maxFds: 2, timeoutMs: 10_000 });
  if (message === null || message.fds.length !== 2) {
    message?.fds.forEach(closeFd);
    throw new Error(`expected 2 fds (the secret and the one to hand on) on fd ${sock}, got ${message === null ? 'end-of-file' : message.fds.length}`);
  }
  const [secret, handOn] = message.fds as [number, number];
  say('middle', `received fd ${secret} (the secret) and fd ${handOn} (for the grandchild)`);
  const libraryFile = process.env[LIBRARY_FILE_ENV];
  const library = libraryFile === undefined ? -1 : openLikeAnOldLibrary(libraryFile);
  if (library >= 0) say('middle', `a library opened fd ${library} (${libraryFile}) without O_CLOEXEC`);
  prepareForSpawn(mode, message.fds);
  const grandchild = spawnGrandchild(command, args, handOn);
  const exited = exitOf(grandchild);
  say('middle', `${mode}: started grandchild pid ${grandchild.pid}`);
  // The grandchild has its copies now. Ours go, so whoever reads the other
  // end of handOn sees end-of-file when the grandchild is done with it.
  closeFd(handOn);
  closeFd(secret);
  closeFd(sock);
  if (library >= 0) closeSync(library);
  return exited;
}

/** The grandchild of the demo: prints its own fd table, as /proc/self/fd shows it. */
function showOwnTable(): void {
  const table = readFdTable('self');
  // Every Node process opens its own (epoll, eventfd, wakeup pipes, a spare
  // /dev/null), all close-on-exec: left out so the rest stands out.
  const runtime = ({ fd, target }: FdLink): boolean =>
    fd > 2 && (target.startsWith('anon_inode:') || target.startsWith('pipe:') || target === '/dev/null');
  const shown = table.filter((entry) => !runtime(entry));
  const lines = shown.map(({ fd, target }) => `  ${String(fd).padStart(3)} -> ${target}`);
  lines.push(`  (and ${table.length - shown.length} fds of the Node runtime: epoll, eventfd, pipes, /dev/null)`);
  say('grandchild', `my fds, from /proc/self/fd (${HANDED_FD_ENV}=${process.env[HANDED_FD_ENV]}):\n${lines.join('\n')}`);
}

/** The demo: runs the middle in `mode` with a secret file and a socket to hand on. */
async function demo(mode: Mode): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-leak-'));
  const [ours, theirs] = socketpair();
  let child: ChildProcess | undefined;
  try {
    const secretPath = join(dir, 'secret.txt');
    writeFileSync(secretPath, 'the middle may read this; its children may not\n');
    const libraryPath = join(dir, 'library.log');
    writeFileSync(libraryPath, '');
    const secret = openSync(secretPath, 'r');
    const [keep, handOn] = socketpair();
    child = spawn(process.execPath, [...process.execArgv, self, 'middle', mode, process.execPath, ...process.execArgv, self, 'show'], {
      stdio: ['ignore', 'inherit', 'inherit', theirs],
      env: { ...process.env, [SOCK_FD_ENV]: '3', [LIBRARY_FILE_ENV]: libraryPath },
    });
    await sendFds(ours, [secret, handOn]);
    closeSync(secret);
    closeFd(handOn);
    const done = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
    await done;
    closeFd(keep);
    say('parent', `${mode}: the secret was ${secretPath}\n`);
  } finally {
    closeFd(ours);
    closeFd(theirs);
    if (child?.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [role, mode, command, ...args] = process.argv.slice(2);
  if (role === 'middle' && (mode === 'leaky' || mode === 'fixed') && command !== undefined) {
    process.exitCode = await middle(mode, command, args);
  } else if (role === 'show') {
    showOwnTable();
  } else {
    await demo('leaky');
    await demo('fixed');
  }
}
