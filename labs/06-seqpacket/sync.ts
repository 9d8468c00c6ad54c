// Lab 06, part 2: runC's sync message over SOCK_SEQPACKET: a JSON record
// that announces "fds follow", then the record that carries them.
// Read labs/06-seqpacket/README.md first; check your work with `make lab-6`.
//
// runC's parent and its container init talk over a SOCK_SEQPACKET socketpair
// (libcontainer/sync.go, sync_unix.go): each message is one JSON record, and
// one with the "has fd" flag is followed by a second record whose data is
// the file's name and whose SCM_RIGHTS carries the fd. A seqpacket socket
// keeps every record whole and apart, so no framing is needed; but it cuts a
// record longer than the read's buffer without a word, so the reader asks
// for one byte more than it accepts and refuses anything that fills it.
//
// See: unix(7) (SOCK_SEQPACKET, SCM_RIGHTS), sendmsg(2), recvmsg(2)
// (MSG_TRUNC), and runC's libcontainer/sync.go.

/** The announcement's type. */
export const FD_FOLLOWS = 'fd-follows';
/** The longest record either side accepts, in bytes. */
export const MAX_RECORD_BYTES = 4096;
/** The most fds one record can carry (the kernel's SCM_MAX_FD). */
export const MAX_SYNC_FDS = 253;

/** The first record: what the next one carries. */
export interface Announcement {
  type: typeof FD_FOLLOWS;
  /** What the fds are (runC: the file's name); the next record's data. */
  name: string;
  /** How many fds the next record carries, 1..253. */
  count: number;
}

export interface SyncOptions {
  /** Give up with code 'ETIMEDOUT' if a record takes longer than this. */
  timeoutMs?: number;
}

/** The peer broke the protocol; every fd that arrived has been closed. */
export class SyncError extends Error {
  override name = 'SyncError';
}

/** Sends the announcement, then the record carrying `fds` (which the caller still owns). */
export async function sendWithFds(sock: number, name: string, fds: readonly number[]): Promise<void> {
  // TODO(lab 6): two records, two calls of sendFds (import { sendFds } from
  // '../../native/index.ts'):
  //   1. JSON.stringify({ type: FD_FOLLOWS, name, count: fds.length }), with
  //      NO fds;
  //   2. the name itself as the data, with all the fds attached.
  // First refuse with a RangeError what the receiver could never accept: an
  // empty name, fewer than 1 or more than MAX_SYNC_FDS fds, an announcement
  // longer than MAX_RECORD_BYTES bytes (measure Buffer.byteLength, not
  // string length). Never close the fds: the caller still owns them.
  void sock;
  void name;
  void fds;
  throw new Error('sendWithFds is not written yet: see TODO(lab 6) in labs/06-seqpacket/sync.ts');
}

/**
 * Reads an announcement and the record it announces; returns the name and
 * the fds (the caller owns them). Anything else is a SyncError, after every
 * fd that did arrive has been closed.
 */
export async function receiveWithFds(sock: number, options: SyncOptions = {}): Promise<{ name: string; fds: number[] }> {
  // TODO(lab 6): two calls of recvFds (import { recvFds } from
  // '../../native/index.ts'), each with options.timeoutMs and
  // maxBytes: MAX_RECORD_BYTES + 1 (a record that fills the buffer was too
  // long, and the kernel dropped its tail without a word). Throw a SyncError,
  // having closed every fd that arrived (closeAll, from './framing.ts'), when:
  //   - recvFds returns null: the peer closed (before either record);
  //   - the announcement carries fds, or is too long, or is not JSON, or is
  //     not { type: FD_FOLLOWS, name: a non-empty string, count: a whole
  //     number 1..MAX_SYNC_FDS };
  //   - the second record's data is not the announced name, or it carries
  //     a different number of fds than announced. Ask for
  //     maxFds: count: more fds than that make recvFds close them all and
  //     fail with code 'EMSGSIZE', which is a SyncError too.
  // Return { name, fds } on success.
  void sock;
  void options;
  throw new Error('receiveWithFds is not written yet: see TODO(lab 6) in labs/06-seqpacket/sync.ts');
}
