// Lab 09 given code: the pieces of a tiny TCP server that handOff and
// takeOver (handoff.ts) work with. Not your job to change; read it.
//
// The protocol shows who answered: on accept the server greets with
// "hello <pid>", reads one line, answers "<line> <pid>" and closes. A client
// can tell the old process from its successor by the pid, and a request
// that gets no answer is a lost request.
//
// See: socket(7), tcp(7), listen(2), accept(2), and net.Server in the
// Node.js docs (server.listen(handle), server.close()).
import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeFd } from '../../native/index.ts';

/** The word the successor sends once it is accepting connections. */
export const READY = 'ready';
/** The fd number the successor finds its end of the socketpair at. */
export const SUCCESSOR_SOCK_FD = 3;
/** The environment variable that names that fd (like lab 02's FDLAB_SOCK_FD). */
export const SOCK_FD_ENV = 'FDLAB_SOCK_FD';

/** Serves one connection: greet, read one line, answer it, close. */
export function serveOne(socket: net.Socket): void {
  let line = '';
  let answered = false;
  socket.setEncoding('utf8');
  socket.write(`hello ${process.pid}\n`);
  socket.on('data', (chunk: string) => {
    if (answered) return;
    line += chunk;
    const end = line.indexOf('\n');
    if (end < 0) return;
    answered = true;
    socket.end(`${line.slice(0, end)} ${process.pid}\n`);
  });
  // A client that goes away is its own business; it must not crash the server.
  socket.on('error', () => socket.destroy());
}

/**
 * The fd of a listening net.Server. Node keeps it on an internal handle,
 * `server._handle.fd`, which is undocumented (it is there on Unix, for
 * cluster and for debugging): this is the one place that reaches for it, so
 * the rest of the lab stays typed.
 */
export function listeningFd(server: net.Server): number {
  const handle = (server as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new Error('the server has no listening socket (is it listening? was it closed?)');
  }
  return fd;
}

/**
 * Starts the successor: this lab's main.ts in 'successor' mode, with
 * `childEnd` as its fd 3 (as in lab 02), and closes our copy of `childEnd`
 * even if the spawn throws: end-of-file from a successor that dies reaches
 * us only when every copy of its end is closed.
 */
export function spawnSuccessor(childEnd: number): ChildProcess {
  const main = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');
  let successor: ChildProcess;
  try {
    successor = spawn(process.execPath, [...process.execArgv, main, 'successor'], {
      stdio: ['ignore', 'inherit', 'inherit', childEnd],
      env: { ...process.env, [SOCK_FD_ENV]: String(SUCCESSOR_SOCK_FD) },
    });
  } finally {
    closeFd(childEnd);
  }
  // The old process must be free to exit while its successor lives on: a
  // referenced ChildProcess would keep the old event loop running until the
  // successor exits. (If the old process outlives it after all, libuv still
  // reaps it; once the old one is gone, the successor's new parent does.)
  successor.unref();
  return successor;
}
