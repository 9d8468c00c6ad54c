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
import { closeFd } from '../../native/index.ts';

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
  // TODO(lab 6): return a new Buffer of HEADER_BYTES + payload.length bytes:
  // the length with buffer.writeUInt32BE(length, 0), then the payload copied
  // in at offset HEADER_BYTES. A payload longer than 0xffffffff bytes does not
  // fit the header: throw a RangeError.
  void payload;
  throw new Error('encodeFrame is not written yet: see TODO(lab 6) in labs/06-seqpacket/framing.ts');
}

/**
 * Sends one frame with its fds. One sendFds call carries the whole frame, so
 * the fds travel with this frame's bytes and no other frame's: that is what
 * lets the receiver tell which frame they belong to.
 */
export async function sendFrame(sock: number, payload: Uint8Array, fds: readonly number[] = []): Promise<void> {
  // TODO(lab 6): send encodeFrame(payload) with `fds` attached, in ONE call
  // of sendFds (import { sendFds } from '../../native/index.ts'). Not the
  // header and the payload apart with the fds on a third, empty send: an
  // empty send on a stream goes out as one byte, which would corrupt the
  // stream.
  void sock;
  void payload;
  void fds;
  throw new Error('sendFrame is not written yet: see TODO(lab 6) in labs/06-seqpacket/framing.ts');
}

/**
 * Turns the chunks a stream's reads return, cut anywhere, back into frames.
 * Fds that arrive with a chunk belong to the frame holding the chunk's last
 * byte: the read that brought them ended inside the bytes of their sendmsg.
 */
export class FrameDecoder {
  // TODO(lab 6): the decoder's state, as private fields. One way: the header
  // read so far (a 4-byte Buffer and how much of it is filled), the payload
  // being filled once the header is complete (a Buffer of the announced
  // length and how much of it is filled), and the fds of the frame in
  // progress, which the decoder owns until it returns them in a Frame.

  constructor(readonly maxFrameBytes = DEFAULT_MAX_FRAME_BYTES) {}

  /**
   * Feeds one read's bytes and fds; returns every frame they complete.
   * A header announcing more than maxFrameBytes throws a FrameError after
   * closing every fd the decoder holds, this chunk's and those of the frames
   * it completed: nothing the caller cannot see is left open.
   */
  feed(data: Uint8Array, fds: readonly number[] = []): Frame[] {
    // TODO(lab 6): consume `data` byte range by byte range, with no
    // assumption about where it was cut (half a header, three frames and a
    // bit, a single byte):
    //   - fill the header; once it has 4 bytes, read the length
    //     (readUInt32BE) and, BEFORE allocating anything, throw a FrameError
    //     if it is over this.maxFrameBytes;
    //   - fill the payload; when it is full, push { payload, fds } and
    //     start the next frame with no fds. A 0-byte frame is complete the
    //     moment its header is.
    //   - the chunk's fds belong to the frame that holds the chunk's LAST
    //     byte: feed all bytes but the last, add the fds to the frame in
    //     progress, then feed the last byte (an empty chunk: just add them).
    //   - on any error, closeAll every fd you hold: those of the frame in
    //     progress, this chunk's (if not yet added) and those of the frames
    //     completed in this call, which the caller will never see. Then
    //     rethrow.
    void data;
    void fds;
    throw new Error('FrameDecoder.feed is not written yet: see TODO(lab 6) in labs/06-seqpacket/framing.ts');
  }

  /**
   * Says the stream ended (recvFds returned null). Ending in the middle of a
   * frame, or holding fds no frame claimed, is a FrameError; the fds are
   * closed first.
   */
  end(): void {
    // TODO(lab 6): at a frame boundary with no fds held, return. Otherwise
    // closeAll the fds held and throw a FrameError saying the stream ended
    // in the middle of a frame.
    throw new Error('FrameDecoder.end is not written yet: see TODO(lab 6) in labs/06-seqpacket/framing.ts');
  }
}
