// Lab 10: runC's --console-socket, both sides.
// Read labs/10-console/README.md first; check your work with `make lab-10`.
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
import type { ChildProcess } from 'node:child_process';

/**
 * The child side: runs `command args` on a new pseudo-terminal and sends the
 * pty's master over `sock`, with the slave's path (the console's name) as
 * the message's data. Returns the running command; this process keeps no
 * copy of the master or the slave.
 */
export async function startOnConsole(sock: number, command: string, args: readonly string[]): Promise<ChildProcess> {
  // TODO(lab 10): the child side, in this order (the README's "Your task"):
  //   - openPty() (import { openPty } from '../../native/bonus.ts'): your
  //     fdlab_openpty, giving { master, slavePath };
  //   - open the slave: openSync(slavePath, constants.O_RDWR | constants.O_NOCTTY)
  //     (from 'node:fs');
  //   - spawn(command, args, { stdio: [slave, slave, slave], detached: true })
  //     (from 'node:child_process'), then closeSync(slave), even if spawn throws;
  //   - sendFds(sock, [master], slavePath) (from '../../native/index.ts'); if
  //     it fails, kill the command and rethrow;
  //   - closeFd(master) on every path, then return the ChildProcess.
  void sock;
  void command;
  void args;
  throw new Error('startOnConsole is not written yet: see TODO(lab 10) in labs/10-console/console.ts');
}

/**
 * The parent side: receives a console's master from `sock` and passes
 * everything the command prints to `onOutput`, until every process on the
 * console has closed the slave. Closes the master and returns the console's
 * name (the data sent with it).
 */
export async function relayConsole(sock: number, onOutput: (chunk: Buffer) => void): Promise<string> {
  // TODO(lab 10): the parent side:
  //   - recvFds(sock, { maxFds: 1 }) (from '../../native/index.ts'): null
  //     (the socket closed first) or anything but exactly one fd is an
  //     Error (close whatever fds did arrive);
  //   - read the master until read(2) itself says the console has ended:
  //     with readAsync = promisify(read) (read from 'node:fs', promisify
  //     from 'node:util'), loop on await readAsync(master, buffer, 0,
  //     buffer.length, null) and give each read's bytesRead bytes to
  //     onOutput, copied into a Buffer of their own; not tty.ReadStream,
  //     which can end before the last output (README: "Reading a master
  //     from Node");
  //   - a read that fails with code EIO is the console's end-of-file (so is
  //     one that returns 0), any other error a failure; closeFd(master) on
  //     every path;
  //   - return the data that came with the fd, as a string.
  void sock;
  void onOutput;
  throw new Error('relayConsole is not written yet: see TODO(lab 10) in labs/10-console/console.ts');
}
