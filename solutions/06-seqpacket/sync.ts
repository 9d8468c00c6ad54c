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
import { recvFds, sendFds } from '../../native/index.ts';
import { closeAll } from './framing.ts';

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
  // An empty name would go out as the one byte an empty send becomes, and
  // the receiver could never match it.
  if (name === '') throw new RangeError('sendWithFds: the name must not be empty');
  if (fds.length < 1 || fds.length > MAX_SYNC_FDS) {
    throw new RangeError(`sendWithFds: 1..${MAX_SYNC_FDS} fds, not ${fds.length}`);
  }
  const announcement: Announcement = { type: FD_FOLLOWS, name, count: fds.length };
  const json = Buffer.from(JSON.stringify(announcement));
  const record = Buffer.from(name);
  if (json.length > MAX_RECORD_BYTES) {
    throw new RangeError(`sendWithFds: the announcement is ${json.length} bytes, more than ${MAX_RECORD_BYTES}`);
  }
  // Two records, two sendmsg calls: the announcement carries no fds, so a
  // receiver that refuses it has nothing to close; the second carries them all.
  await sendFds(sock, [], json);
  await sendFds(sock, fds, record);
}

/**
 * Reads an announcement and the record it announces; returns the name and
 * the fds (the caller owns them). Anything else is a SyncError, after every
 * fd that did arrive has been closed.
 */
export async function receiveWithFds(sock: number, options: SyncOptions = {}): Promise<{ name: string; fds: number[] }> {
  const { timeoutMs } = options;
  // One byte more than allowed: a record that fills the buffer was longer
  // than MAX_RECORD_BYTES, and the kernel threw the rest of it away.
  const first = await recvFds(sock, { maxBytes: MAX_RECORD_BYTES + 1, maxFds: MAX_SYNC_FDS, timeoutMs });
  if (first === null) throw new SyncError('the peer closed the socket before announcing anything');
  if (first.fds.length > 0) {
    closeAll(first.fds);
    throw new SyncError(`the announcement carried ${first.fds.length} fd(s) (closed); fds travel in the record after it`);
  }
  const announcement = parseAnnouncement(first.data);

  let second;
  try {
    second = await recvFds(sock, { maxBytes: MAX_RECORD_BYTES + 1, maxFds: announcement.count, timeoutMs });
  } catch (error) {
    // More fds than announced: recvFds closed every one and says EMSGSIZE.
    if ((error as { code?: string }).code === 'EMSGSIZE') {
      throw new SyncError(`"${announcement.name}" announced ${announcement.count} fd(s), and more arrived (all closed)`);
    }
    throw error;
  }
  if (second === null) {
    throw new SyncError(`the peer closed the socket before sending the ${announcement.count} fd(s) of "${announcement.name}"`);
  }
  const name = second.data.toString('utf8');
  if (second.data.length > MAX_RECORD_BYTES || name !== announcement.name) {
    closeAll(second.fds);
    throw new SyncError(`expected the record of "${announcement.name}", got ${preview(second.data)} (its ${second.fds.length} fd(s) closed)`);
  }
  if (second.fds.length !== announcement.count) {
    closeAll(second.fds);
    throw new SyncError(`"${announcement.name}" announced ${announcement.count} fd(s), ${second.fds.length} arrived (closed)`);
  }
  return { name, fds: second.fds };
}

function parseAnnouncement(data: Buffer): Announcement {
  if (data.length > MAX_RECORD_BYTES) {
    throw new SyncError(`the announcement is longer than ${MAX_RECORD_BYTES} bytes (the rest of the record was cut off)`);
  }
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    throw new SyncError(`the announcement is not JSON: ${preview(data)}`);
  }
  const record = value as Partial<Announcement> | null;
  if (typeof record !== 'object' || record === null || record.type !== FD_FOLLOWS) {
    throw new SyncError(`expected a "${FD_FOLLOWS}" announcement, got ${preview(data)}`);
  }
  if (typeof record.name !== 'string' || record.name === '') {
    throw new SyncError(`the announcement has no name: ${preview(data)}`);
  }
  const count = record.count;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > MAX_SYNC_FDS) {
    throw new SyncError(`the announcement's count must be a whole number 1..${MAX_SYNC_FDS}: ${preview(data)}`);
  }
  return { type: FD_FOLLOWS, name: record.name, count };
}

function preview(data: Buffer): string {
  const text = JSON.stringify(data.subarray(0, 80).toString('utf8'));
  return data.length > 80 ? `${text}... (${data.length} bytes)` : text;
}
