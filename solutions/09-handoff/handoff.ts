// Lab 09 solution: a zero-downtime restart. The old server hands its
// listening socket to a freshly started successor over a socketpair, waits
// until the successor is accepting, stops accepting, finishes the
// connections it has, and exits. Not one connection is refused: the
// listening socket — one open file description, one accept queue — is open
// in at least one of the two processes at every moment.
//
// See: unix(7) (SCM_RIGHTS), sendmsg(2), recvmsg(2), listen(2), accept(2),
// close(2), and net.Server's listen(handle) and close() in the Node.js docs.
import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import { closeFd, recvFds, sendFds, socketpair } from '../../native/index.ts';
import { listeningFd, READY } from './server.ts';

/**
 * The old side. Starts a successor with `startSuccessor(childEnd)`, sends it
 * `server`'s listening socket, waits for its "ready", then stops accepting
 * and resolves with the successor's pid once every connection in flight is
 * finished. If the successor fails before "ready", rejects and leaves
 * `server` listening: the old process keeps serving.
 */
export async function handOff(server: net.Server, startSuccessor: (childEnd: number) => ChildProcess): Promise<number> {
  const [ours, theirs] = socketpair('stream');
  let successor: ChildProcess;
  try {
    // spawnSuccessor closes `theirs` (ours to give away, not to keep): with
    // a copy left here, a successor that dies would never give us EOF.
    successor = startSuccessor(theirs);
    // Sending duplicates the fd into the successor's table; ours stays open
    // and stays listening. Both fds now name the same socket.
    await sendFds(ours, [listeningFd(server)], 'listener');
    const word = await recvFds(ours, { maxFds: 1 });
    if (word === null) {
      throw new Error(`the successor (pid ${successor.pid}) closed its socket before saying "${READY}"`);
    }
    word.fds.forEach(closeFd);
    if (word.data.toString() !== READY) {
      throw new Error(`the successor (pid ${successor.pid}) said ${JSON.stringify(word.data.toString())}, not "${READY}"`);
    }
  } finally {
    closeFd(ours);
  }
  // Only now, with the successor accepting on the same socket, do we stop:
  // close() closes our fd (not the socket: the successor's fd keeps it
  // open, backlog and all) and calls back once our last connection ends.
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return successor.pid!;
}

/**
 * The new side. Receives the listening socket on `sock`, serves it with
 * `serve`, says "ready" once it is accepting, closes `sock` and resolves
 * with the server.
 */
export async function takeOver(sock: number, serve: (socket: net.Socket) => void): Promise<net.Server> {
  try {
    const message = await recvFds(sock, { maxFds: 1 });
    if (message === null) throw new Error('the old server closed the socketpair without sending its listening socket');
    const [fd] = message.fds;
    if (fd === undefined) throw new Error('the old server sent no fd');
    const server = net.createServer(serve);
    // listen({ fd }) adopts a socket that is already bound and listening: no
    // bind(2), so no EADDRINUSE, and the same accept queue the old server
    // used. The server owns the fd from here on; server.close() closes it.
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ fd }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    await sendFds(sock, [], READY);
    return server;
  } finally {
    // Nothing more to say: the old server sees EOF after "ready".
    closeFd(sock);
  }
}
