// Lab 09: a zero-downtime restart. The old server hands its listening
// socket to a freshly started successor over a socketpair, waits until the
// successor is accepting, stops accepting, finishes the connections it has,
// and exits. Not one connection is refused: the listening socket — one open
// file description, one accept queue — is open in at least one of the two
// processes at every moment.
// Read labs/09-handoff/README.md first; check your work with `make lab-9`.
//
// See: unix(7) (SCM_RIGHTS), sendmsg(2), recvmsg(2), listen(2), accept(2),
// close(2), and net.Server's listen(handle) and close() in the Node.js docs.
import type { ChildProcess } from 'node:child_process';
import type net from 'node:net';

/**
 * The old side. Starts a successor with `startSuccessor(childEnd)`, sends it
 * `server`'s listening socket, waits for its "ready", then stops accepting
 * and resolves with the successor's pid once every connection in flight is
 * finished. If the successor fails before "ready", rejects and leaves
 * `server` listening: the old process keeps serving.
 */
export async function handOff(server: net.Server, startSuccessor: (childEnd: number) => ChildProcess): Promise<number> {
  // TODO(lab 9): the old side, in this order (imports: socketpair, sendFds,
  // recvFds, closeFd from '../../native/index.ts'; listeningFd, READY from
  // './server.ts'):
  //   - make a stream socketpair: one end is ours, the other the successor's;
  //   - startSuccessor(theirEnd) starts it with that end as its fd 3 (and
  //     closes our copy of that end for you);
  //   - send listeningFd(server) over our end with sendFds;
  //   - wait with recvFds for the successor's READY: null (end-of-file) or
  //     any other word means it failed, so throw, and do NOT close the
  //     server: we keep serving;
  //   - close our end of the socketpair on every path;
  //   - only then server.close(callback): it stops accepting and calls back
  //     once every connection in flight is finished; resolve with the
  //     successor's pid after that.
  void server;
  void startSuccessor;
  throw new Error('handOff is not written yet: see TODO(lab 9) in labs/09-handoff/handoff.ts');
}

/**
 * The new side. Receives the listening socket on `sock`, serves it with
 * `serve`, says "ready" once it is accepting, closes `sock` and resolves
 * with the server.
 */
export async function takeOver(sock: number, serve: (socket: net.Socket) => void): Promise<net.Server> {
  // TODO(lab 9): the new side (imports: recvFds, sendFds, closeFd from
  // '../../native/index.ts'; READY from './server.ts'; and make the
  // `import type net` above a value import, `import net from 'node:net'`):
  //   - recvFds(sock, { maxFds: 1 }): null means the old server gave up,
  //     no fd means it sent nothing: throw either way;
  //   - net.createServer(serve), then server.listen({ fd }, callback): Node
  //     adopts the socket as it is, already bound and listening (no bind,
  //     so no EADDRINUSE); wait for the callback (or an 'error' event);
  //   - then, and only then, sendFds(sock, [], READY);
  //   - close sock on every path, and resolve with the server.
  void sock;
  void serve;
  throw new Error('takeOver is not written yet: see TODO(lab 9) in labs/09-handoff/handoff.ts');
}
