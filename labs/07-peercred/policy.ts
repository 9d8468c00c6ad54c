// Lab 07: recvFdsFrom, which takes fds from a socket only when the process
// at the other end is the one the caller expects.
// Read labs/07-peercred/README.md first; check your work with `make lab-7`.
//
// Your C++ fdlab_peercred (peercred.cc) answers "who is there?"; this file
// decides whether to take what they sent. It imports the public API, which
// in a check is backed by the reference C++, so the two halves are checked
// one at a time.
//
// See: unix(7) (SO_PEERCRED), credentials(7), recvmsg(2), cmsg(3).
import { closeFd, peerCredentials, recvFds, recvFdsSync, type Received, type RecvOptions } from '../../native/index.ts';

/** Who the caller trusts: every field given must match; at least one must be given. */
export interface ExpectedPeer {
  pid?: number;
  uid?: number;
}

export interface PeerCredentials {
  pid: number;
  uid: number;
  gid: number;
}

/** The refusal: the peer is not who the caller expected. Its fds are closed already. */
export class UntrustedPeerError extends Error {
  readonly code = 'ERR_FDLAB_UNTRUSTED_PEER';

  constructor(
    readonly sock: number,
    readonly expected: ExpectedPeer,
    readonly actual: PeerCredentials,
  ) {
    const wanted = [
      expected.pid === undefined ? undefined : `pid ${expected.pid}`,
      expected.uid === undefined ? undefined : `uid ${expected.uid}`,
    ].filter((part) => part !== undefined);
    super(
      `untrusted peer on fd ${sock}: expected ${wanted.join(' and ')}, ` +
        `but the peer is pid ${actual.pid} uid ${actual.uid} gid ${actual.gid}; its fds were closed, none taken`,
    );
    this.name = 'UntrustedPeerError';
  }
}

function checkExpected(expected: ExpectedPeer): void {
  for (const key of ['pid', 'uid'] as const) {
    const value = expected?.[key];
    if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
      throw Object.assign(new TypeError(`expected.${key} must be a whole number >= 0, not ${String(value)}`), {
        code: 'ERR_INVALID_ARG_VALUE',
      });
    }
  }
  // An empty expectation would trust anyone: a bug, never a policy.
  if (expected?.pid === undefined && expected?.uid === undefined) {
    throw Object.assign(new TypeError('expected must name a pid, a uid or both: trusting anyone is not a policy'), {
      code: 'ERR_INVALID_ARG_VALUE',
    });
  }
}

/** True when every field the caller gave matches the peer. */
export function isExpectedPeer(actual: PeerCredentials, expected: ExpectedPeer): boolean {
  // TODO(lab 7): true when every field the caller gave (pid, uid) equals the
  // peer's; a field left undefined matches anything.
  void actual;
  void expected;
  throw new Error('isExpectedPeer is not written yet: TODO(lab 7) in labs/07-peercred/policy.ts');
}

/**
 * Closes every fd already queued on sock, without waiting for more.
 * recvmsg is the only way to take an fd out of a socket's queue; the fds
 * then belong to us, and closing them is what the sender's copies (if it
 * kept none) die of. What the peer sends later dies when the caller closes
 * sock: the kernel closes the fds still queued on a socket it frees.
 */
export function discardQueued(sock: number): void {
  // TODO(lab 7): take every message already queued on sock without waiting
  // (recvFdsSync with timeoutMs: 0 and maxFds: 253) and close each fd it
  // carries, until nothing is left: the error code 'ETIMEDOUT' means the
  // queue is empty, null means the peer hung up. 'EMSGSIZE' (more fds than
  // maxFds) already closed that message's fds: go on. Rethrow anything else.
  void sock;
  void [recvFdsSync, closeFd]; // the imports you will need, in use until you write the code
  throw new Error('discardQueued is not written yet: TODO(lab 7) in labs/07-peercred/policy.ts');
}

/**
 * The next message on sock, like recvFds, but only from the expected peer.
 * Otherwise no fd is handed out: every fd queued on sock is closed and an
 * UntrustedPeerError (code 'ERR_FDLAB_UNTRUSTED_PEER') names who was
 * expected and who is there. The caller keeps sock either way, and should
 * close it after a refusal.
 */
export async function recvFdsFrom(sock: number, expected: ExpectedPeer, opts?: RecvOptions): Promise<Received | null> {
  checkExpected(expected);
  // TODO(lab 7): ask who is at the other end (peerCredentials) before taking
  // anything. If it is not the expected peer (isExpectedPeer), discard what
  // is queued and throw new UntrustedPeerError(sock, expected, actual);
  // otherwise receive the next message with recvFds(sock, opts).
  void sock;
  void opts;
  void [peerCredentials, recvFds]; // the imports you will need, in use until you write the code
  throw new Error('recvFdsFrom is not written yet: TODO(lab 7) in labs/07-peercred/policy.ts');
}
