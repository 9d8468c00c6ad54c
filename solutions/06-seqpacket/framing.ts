// Lab 06, part 1: length-prefixed frames over a SOCK_STREAM socket, with the
// fds each frame carries.
// Read labs/06-seqpacket/README.md first; check your work with `make lab-6`.
//
// A stream keeps the order of the bytes and nothing else: two sends may come
// out of one read, and one send out of two. So each frame says how long it
// is: a 4-byte big-endian length, then that many bytes of payload (runC's
// bootstrap data to nsexec is framed the same way, as a netlink message with
// a length in its header). The fds sent with SCM_RIGHTS are tied to the
// bytes of their sendmsg: they arrive with the read that holds those bytes,
// and a read never goes past the end of a sendmsg that carried fds.
//
// See: unix(7) (SOCK_STREAM, SCM_RIGHTS), sendmsg(2), recvmsg(2).
import { closeFd, sendFds } from '../../native/index.ts';

/** The length in front of every frame: 4 bytes, big-endian (network order). */
export const HEADER_BYTES = 4;
/** The largest payload a decoder accepts unless told otherwise. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

export interface Frame {
  payload: Buffer;
  /** The fds sent with this frame's bytes, in order; the receiver owns them. */
  fds: number[];
}

/** The stream is out of step: drop the decoder and close the socket. */
export class FrameError extends Error {
  override name = 'FrameError';
}

/** Closes every fd in the list, going on past any that fails. */
export function closeAll(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      closeFd(fd);
    } catch {
      // already closed: nothing left to leak
    }
  }
}

/** One frame's bytes: the payload's length as 4 bytes big-endian, then the payload. */
export function encodeFrame(payload: Uint8Array): Buffer {
  // The header has room for 2^32 - 1; a longer payload would wrap around and
  // desynchronize the reader, so it is refused here instead.
  if (payload.length > 0xffffffff) throw new RangeError(`a frame holds at most 4294967295 bytes, not ${payload.length}`);
  const frame = Buffer.alloc(HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, HEADER_BYTES);
  return frame;
}

/**
 * Sends one frame with its fds. One sendFds call carries the whole frame, so
 * the fds travel with this frame's bytes and no other frame's: that is what
 * lets the receiver tell which frame they belong to.
 */
export async function sendFrame(sock: number, payload: Uint8Array, fds: readonly number[] = []): Promise<void> {
  await sendFds(sock, fds, encodeFrame(payload));
}

/**
 * Turns the chunks a stream's reads return, cut anywhere, back into frames.
 * Fds that arrive with a chunk belong to the frame holding the chunk's last
 * byte: the read that brought them ended inside the bytes of their sendmsg.
 */
export class FrameDecoder {
  private readonly header = Buffer.alloc(HEADER_BYTES);
  private headerFill = 0;
  /** The payload being filled, once its header is complete. */
  private payload: Buffer | undefined;
  private payloadFill = 0;
  /** Fds of the frame in progress; the decoder owns them until it returns them. */
  private fds: number[] = [];

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /**
   * Feeds one read's bytes and fds; returns every frame they complete.
   * A header announcing more than maxFrameBytes throws a FrameError after
   * closing every fd the decoder holds, this chunk's and those of the frames
   * it completed: nothing the caller cannot see is left open.
   */
  feed(data: Uint8Array, fds: readonly number[] = []): Frame[] {
    const frames: Frame[] = [];
    let fdsTaken = false;
    try {
      // Everything but the last byte first; then the fds join the frame in
      // progress, and the last byte completes it or leaves it in progress.
      const split = Math.max(0, data.length - 1);
      this.take(data.subarray(0, split), frames);
      this.fds.push(...fds);
      fdsTaken = true;
      this.take(data.subarray(split), frames);
      return frames;
    } catch (error) {
      closeAll(this.fds);
      this.fds = [];
      if (!fdsTaken) closeAll(fds);
      for (const frame of frames) closeAll(frame.fds);
      throw error;
    }
  }

  /**
   * Says the stream ended (recvFds returned null). Ending in the middle of a
   * frame, or holding fds no frame claimed, is a FrameError; the fds are
   * closed first.
   */
  end(): void {
    const held = this.fds;
    this.fds = [];
    if (this.headerFill === 0 && held.length === 0) return;
    closeAll(held);
    const where =
      this.payload === undefined
        ? `${this.headerFill} of the ${HEADER_BYTES} header bytes`
        : `${this.payloadFill} of the ${this.payload.length} payload bytes`;
    throw new FrameError(`the stream ended in the middle of a frame (after ${where}); ${held.length} fd(s) closed`);
  }

  private take(bytes: Uint8Array, frames: Frame[]): void {
    let at = 0;
    while (at < bytes.length) {
      if (this.payload === undefined) {
        const n = Math.min(HEADER_BYTES - this.headerFill, bytes.length - at);
        this.header.set(bytes.subarray(at, at + n), this.headerFill);
        this.headerFill += n;
        at += n;
        if (this.headerFill < HEADER_BYTES) return;
        const length = this.header.readUInt32BE(0);
        // Checked before allocating: a garbled header must not make us
        // reserve 4 GiB.
        if (length > this.maxFrameBytes) {
          throw new FrameError(`a frame header announces ${length} bytes, more than the limit of ${this.maxFrameBytes}`);
        }
        this.payload = Buffer.alloc(length);
        this.payloadFill = 0;
      }
      // No `continue` above: a 0-byte frame is complete the moment its
      // header is, even when the header was the chunk's last byte.
      const n = Math.min(this.payload.length - this.payloadFill, bytes.length - at);
      this.payload.set(bytes.subarray(at, at + n), this.payloadFill);
      this.payloadFill += n;
      at += n;
      if (this.payloadFill === this.payload.length) {
        frames.push({ payload: this.payload, fds: this.fds });
        this.payload = undefined;
        this.headerFill = 0;
        this.fds = [];
      }
    }
  }
}
