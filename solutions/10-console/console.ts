// Lab 10 solution: runC's --console-socket, both sides.
//
// The child side (runC's init) opens a pseudo-terminal, starts the command
// with the pty's slave as its stdin, stdout and stderr, and sends the master
// over a Unix socket. The parent side (the caller of runC, like runC's own
// recvtty) receives the master and relays what the command prints until the
// command and everything it started have closed the slave.
//
// See: pty(7), posix_openpt(3), open(2) (O_NOCTTY), setsid(2),
// ioctl_tty(2) (TIOCSCTTY), unix(7) (SCM_RIGHTS), read(2), and fs.read in
// the Node.js docs.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants, openSync, read } from 'node:fs';
import { promisify } from 'node:util';
import { openPty } from '../../native/bonus.ts';
import { closeFd, recvFds, sendFds } from '../../native/index.ts';

const readAsync = promisify(read);

/**
 * The child side: runs `command args` on a new pseudo-terminal and sends the
 * pty's master over `sock`, with the slave's path (the console's name) as
 * the message's data. Returns the running command; this process keeps no
 * copy of the master or the slave.
 */
export async function startOnConsole(sock: number, command: string, args: readonly string[]): Promise<ChildProcess> {
  const { master, slavePath } = openPty();
  try {
    let child: ChildProcess;
    // O_NOCTTY: the slave must not become *our* controlling terminal; it is
    // the command's. (Node adds O_CLOEXEC to every open, so no other child
    // of ours inherits this copy.)
    const slave = openSync(slavePath, constants.O_RDWR | constants.O_NOCTTY);
    try {
      // The slave as fds 0, 1 and 2: to the command it is a terminal.
      // detached: the command gets a session of its own (setsid), as a
      // container's init does, so it can later take this pty as its
      // controlling terminal without stealing ours.
      child = spawn(command, args, { stdio: [slave, slave, slave], detached: true });
    } finally {
      // The parent sees end-of-file (EIO) only when every copy of the slave
      // is closed: ours must go now, not when this process exits.
      closeSync(slave);
    }
    try {
      await sendFds(sock, [master], slavePath);
    } catch (error) {
      // Nobody will ever read the console: do not leave the command behind.
      child.kill('SIGKILL');
      throw error;
    }
    return child;
  } finally {
    // Sent or not, the master is not ours to keep: the kernel gave the
    // receiver its own reference to the same open file description.
    closeFd(master);
  }
}

/**
 * The parent side: receives a console's master from `sock` and passes
 * everything the command prints to `onOutput`, until every process on the
 * console has closed the slave. Closes the master and returns the console's
 * name (the data sent with it).
 */
export async function relayConsole(sock: number, onOutput: (chunk: Buffer) => void): Promise<string> {
  const received = await recvFds(sock, { maxFds: 1 });
  if (received === null) throw new Error('the console socket closed before a console arrived');
  if (received.fds.length !== 1) {
    for (const fd of received.fds) closeFd(fd);
    throw new Error(`expected one console fd on the console socket, got ${received.fds.length}`);
  }
  const master = received.fds[0]!;
  const name = received.data.toString();
  // Not tty.ReadStream: libuv (in Node 20 and 22 at least) takes a hang-up
  // after a short read for end-of-file, and a master reports the hang-up as
  // soon as the last slave closes, while what the command wrote just before
  // it exited may still wait behind the 4 KiB the line discipline hands over
  // per read. Only read(2) itself knows when everything has been read.
  const buffer = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      let bytesRead: number;
      try {
        // A plain read(2) on a libuv thread-pool thread: it blocks that
        // thread, never the event loop, until the command prints something
        // or the console ends.
        ({ bytesRead } = await readAsync(master, buffer, 0, buffer.length, null));
      } catch (error) {
        // On Linux, reading a master whose slave is closed everywhere fails
        // with EIO once everything written before has been read: that is
        // this console's end-of-file, not a failure.
        if ((error as NodeJS.ErrnoException).code === 'EIO') break;
        throw error;
      }
      // A terminal that was hung up (vhangup) reads 0: the end too.
      if (bytesRead === 0) break;
      onOutput(Buffer.from(buffer.subarray(0, bytesRead)));
    }
  } finally {
    closeFd(master);
  }
  return name;
}
