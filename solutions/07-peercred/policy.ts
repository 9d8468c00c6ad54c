// Lab 07 solution: recvFdsFrom, which takes fds from a socket only when the
// process at the other end is the one the caller expects.
//
// The kernel recorded the peer's pid, uid and gid when the socket was made
// (socketpair: its creator, for both ends) or connected (connect/accept: the
// connecting process); SO_PEERCRED reads them back, and the peer cannot
// forge them. So the check costs one getsockopt and comes before any fd is
// taken: a refused peer's fds are closed unseen, never handed out.
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
  return (
    (expected.pid === undefined || actual.pid === expected.pid) &&
    (expected.uid === undefined || actual.uid === expected.uid)
  );
}

/**
 * Closes every fd already queued on sock, without waiting for more.
 * recvmsg is the only way to take an fd out of a socket's queue; the fds
 * then belong to us, and closing them is what the sender's copies (if it
 * kept none) die of. What the peer sends later dies when the caller closes
 * sock: the kernel closes the fds still queued on a socket it frees.
 */
export function discardQueued(sock: number): void {
  for (;;) {
    let message: Received | null;
    try {
      message = recvFdsSync(sock, { timeoutMs: 0, maxFds: 253 });
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ETIMEDOUT') return; // nothing more is queued
      if (code === 'EMSGSIZE') continue; // too many fds: recvmsg closed them all already
      throw error;
    }
    if (message === null) return; // the peer hung up, and everything before that is gone
    for (const fd of message.fds) closeFd(fd);
  }
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
  // Before the first recvmsg: fds that are never taken cannot be misused.
  const actual = peerCredentials(sock);
  if (!isExpectedPeer(actual, expected)) {
    discardQueued(sock);
    throw new UntrustedPeerError(sock, expected, actual);
  }
  return recvFds(sock, opts);
}
