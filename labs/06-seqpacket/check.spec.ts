// Lab 06 check: length-prefixed frames over a stream (labs/06-seqpacket/
// framing.ts) and runC's announce-then-fds sync over SOCK_SEQPACKET
// (labs/06-seqpacket/sync.ts). Run it with `make lab-6`.
//
// Your code runs in this process, on real socketpairs. The other side of
// every exchange is the check's own (frames it encodes itself, records it
// writes byte for byte) or the reference code, never yours: your decoder reads
// what the check sent, your sendFrame is read by the reference decoder. It
// sends bursts (many frames or records before the reader reads), odd sizes
// (0, 1, 3, 4095, 65537 bytes and seeded random ones), frames cut across
// several sends, and reads them back with reads of random sizes; every fd it
// sends is a socket of its own, so the one that arrives is told apart by its
// inode (fstat), not its number. This lab is TypeScript only: the check
// never loads the labs addon.
//
// See: unix(7) (SOCK_STREAM, SOCK_SEQPACKET, SCM_RIGHTS), recvmsg(2), fstat(2).
import type { Received } from '../../native/index.ts';
import { labContext } from '../../kit/check/context.ts';
import { fileIdentity, isOpen, openFdCount } from '../../kit/check/fds.ts';
import { seededRandom } from '../../kit/check/random.ts';
import { FrameDecoder as ReferenceDecoder } from '../../solutions/06-seqpacket/framing.ts';
import { sendWithFds as referenceSendWithFds } from '../../solutions/06-seqpacket/sync.ts';

type FramingModule = typeof import('../../solutions/06-seqpacket/framing.ts');
type SyncModule = typeof import('../../solutions/06-seqpacket/sync.ts');

const lab = labContext(6);
const random = seededRandom();
const framingFile = lab.file('framing.ts');
const syncFile = lab.file('sync.ts');
const ref = lab.reference;

/** How long one read may wait for what the check already sent; only a broken lab waits this long. */
const READ_MS = 3_000;
/** The sizes that break naive framing: empty, tiny, shorter than a header, one page less a byte, past 64 KiB. */
const ODD_SIZES = [0, 1, 3, 4, 5, 4095, 65537];

// ---------------------------------------------------------------- helpers

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The check's own encoding, independent of both trees. */
function frameOf(payload: Uint8Array): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

/** A payload whose every byte depends on the frame and the position, so a shifted or swapped byte shows. */
function payloadOf(index: number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (index * 31 + i * 7 + (i >> 8)) & 0xff;
  return bytes;
}

function sizeOf(maxRandom: number): number {
  return random.int(0, 2) === 0 ? ODD_SIZES[random.int(0, ODD_SIZES.length - 1)]! : random.int(0, maxRandom);
}

/** Fds the check opened (and must close), and the sockets they are. */
const owned = new Set<number>();

function closeOwned(fd: number): void {
  if (!owned.delete(fd)) return;
  try {
    ref.closeFd(fd);
  } catch {
    // closed already (handed over and closed by the code under test)
  }
}

/**
 * Fds handed to your code, which owns them from then on, with the socket
 * each one is. After the test, one still open and still that socket was
 * leaked (or the test failed before your code could close it): the check
 * closes it. A number your code closed and something reused is left alone.
 */
const handed = new Map<number, string>();

function handOverFds(fds: readonly number[]): void {
  for (const fd of fds) {
    owned.delete(fd);
    handed.set(fd, fileIdentity(fd));
  }
}

afterEach(() => {
  for (const fd of [...owned]) closeOwned(fd);
  for (const [fd, id] of handed) {
    if (isOpen(fd) && fileIdentity(fd) === id) ref.closeFd(fd);
  }
  handed.clear();
});

function pair(type: 'stream' | 'seqpacket'): [number, number] {
  const fds = ref.socketpair(type);
  for (const fd of fds) owned.add(fd);
  return fds;
}

/** `n` fds, each a socket with an inode of its own: what arrives is told apart by fstat. */
function tokens(n: number): number[] {
  const fds: number[] = [];
  while (fds.length < n) {
    const [a, b] = pair('stream');
    fds.push(a);
    if (fds.length < n) fds.push(b);
    else closeOwned(b);
  }
  return fds;
}

/** Fds the check hands over to your code, which then owns them: not closed by the check. */
function handOver(n: number): number[] {
  const fds = tokens(n);
  handOverFds(fds);
  return fds;
}

function describeBytes(expected: Buffer, got: Buffer): string {
  if (got.length !== expected.length) return `${got.length} bytes where ${expected.length} were sent`;
  const at = expected.findIndex((byte, i) => got[i] !== byte);
  return `the right length (${got.length} bytes) but byte ${at} is ${got[at]}, not ${expected[at]}`;
}

// ---------------------------------------------------------------- your files

async function load<T>(name: 'framing.ts' | 'sync.ts'): Promise<T> {
  try {
    return (await import(`../../${lab.tree}/06-seqpacket/${name}`)) as T;
  } catch (error) {
    return lab.fail(`${lab.file(name)} does not load: ${messageOf(error)}`, 'a file that Node can import', lab.file(name));
  }
}

function failIfNotWritten(error: unknown, fn: string, file: string): void {
  if (messageOf(error).includes('not written yet')) {
    lab.fail(`${fn} is not written yet (it throws "${messageOf(error)}").`, `the TODO(lab 6) in ${file} done`, file);
  }
}

/** Calls fn; a throw becomes a failure naming `what` and the file. */
function mine<T>(what: string, file: string, fn: () => T, expected: string): T {
  try {
    return fn();
  } catch (error) {
    failIfNotWritten(error, what.replace(/\(.*$/, ''), file);
    return lab.fail(`${what} threw: ${messageOf(error)}`, expected, file);
  }
}

async function mineAsync<T>(what: string, file: string, fn: () => Promise<T>, expected: string): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    failIfNotWritten(error, what.replace(/\(.*$/, ''), file);
    return lab.fail(`${what} threw: ${messageOf(error)}`, expected, file);
  }
}

// ---------------------------------------------------------------- frames on a stream

interface Sent {
  payload: Buffer;
  /** The identities of the fds sent with the frame, in order. */
  fds: string[];
}

/**
 * Reads from `sock` with reads of `readSize()` bytes, feeds each read to your
 * decoder, and checks every frame it returns against `sent`, in order.
 */
async function decodeAndCompare(framing: FramingModule, sock: number, sent: Sent[], readSize: () => number, how: string): Promise<void> {
  const decoder = mine('new FrameDecoder()', framingFile, () => new framing.FrameDecoder(), 'a decoder');
  let index = 0;
  let reads = 0;
  while (index < sent.length) {
    let chunk: Received | null;
    try {
      chunk = await ref.recvFds(sock, { maxBytes: readSize(), timeoutMs: READ_MS });
    } catch (error) {
      if ((error as { code?: string }).code === 'ETIMEDOUT') {
        lab.fail(
          `after ${reads} reads (${how}) your decoder had returned ${index} of the ${sent.length} frames, and nothing more was coming: every byte had been read.`,
          'feed() to return each frame as soon as its last byte arrives',
          framingFile,
        );
      }
      throw error;
    }
    if (chunk === null) return lab.fail(`the stream ended after ${index} frames`, `${sent.length} frames`, framingFile);
    reads++;
    handOverFds(chunk.fds);
    const frames = mine(`feed(${chunk.data.length} bytes, ${chunk.fds.length} fds)`, framingFile, () => decoder.feed(chunk.data, chunk.fds), 'whole frames');
    lab.require(Array.isArray(frames), `feed() returned ${String(frames)}.`, 'an array of the frames the chunk completed (often empty)', framingFile);
    for (const frame of frames) for (const fd of frame.fds ?? []) owned.add(fd);
    for (const frame of frames) {
      const want = sent[index];
      if (want === undefined) lab.fail(`your decoder returned more frames than the ${sent.length} sent (${how}).`, 'one frame per frame sent', framingFile);
      const payload = Buffer.from(frame.payload ?? []);
      lab.require(
        payload.equals(want.payload),
        `frame ${index} (of ${sent.length}, ${how}) came out with ${describeBytes(want.payload, payload)}.`,
        'each frame exactly as sent, however the reads cut the stream',
        framingFile,
      );
      const got = (frame.fds ?? []).map(fileIdentity);
      lab.require(
        got.length === want.fds.length && got.every((id, i) => id === want.fds[i]),
        `frame ${index} (${how}) came with ${got.length} fd(s), ` +
          (got.length === want.fds.length ? 'but not the ones sent with it' : `where ${want.fds.length} were sent with its bytes`) +
          ` (in frames 0..${sent.length - 1}, fds went with frames ${sent.flatMap((s, i) => (s.fds.length > 0 ? [i] : [])).join(', ') || 'none'}).`,
        "the fds of a read given to the frame that holds the read's last byte: a read ends inside the bytes of the sendmsg that carried its fds",
        framingFile,
      );
      for (const fd of frame.fds) closeOwned(fd);
      index++;
    }
  }
  mine('end()', framingFile, () => decoder.end(), 'end() at a frame boundary to return quietly');
}

/** A burst: every frame sent before the first read; bytes only, no fds, so it fits the socket buffer. */
function burstOf(count: number, maxSize: number, withFds: boolean, send: (bytes: Buffer, fds: number[]) => void): Sent[] {
  const sent: Sent[] = [];
  for (let i = 0; i < count; i++) {
    const payload = payloadOf(i, random.int(0, 3) === 0 ? [0, 1, 3, 4, 5][random.int(0, 4)]! : random.int(0, maxSize));
    const fds = withFds && random.int(0, 2) === 0 ? tokens(random.int(1, 3)) : [];
    send(frameOf(payload), fds);
    sent.push({ payload, fds: fds.map(fileIdentity) });
  }
  return sent;
}

describe('lab 6: frames over a stream (framing.ts)', () => {
  it('encodeFrame: a 4-byte big-endian length, then the payload (0, 1, 3, 4095, 65537 bytes, random)', async () => {
    const framing = await load<FramingModule>('framing.ts');
    for (const size of [...ODD_SIZES, random.int(6, 70000), 300]) {
      const payload = payloadOf(size, size);
      const got = mine(`encodeFrame(${size} bytes)`, framingFile, () => framing.encodeFrame(payload), 'a Buffer');
      const want = frameOf(payload);
      lab.require((got as unknown) instanceof Uint8Array, `encodeFrame returned ${String(got)}.`, 'a Buffer', framingFile);
      const bytes = Buffer.from(got);
      lab.require(
        bytes.length === want.length,
        `encodeFrame(${size} bytes) gave ${bytes.length} bytes.`,
        `${want.length}: 4 bytes of length, then the payload`,
        framingFile,
      );
      lab.require(
        bytes.subarray(0, 4).equals(want.subarray(0, 4)),
        `encodeFrame(${size} bytes) begins ${bytes.subarray(0, 4).toString('hex')}.`,
        `${want.subarray(0, 4).toString('hex')}: the length, big-endian (writeUInt32BE(length, 0))`,
        framingFile,
      );
      lab.require(bytes.equals(want), `encodeFrame(${size} bytes): the payload after the header is not the one given.`, 'the payload copied as is', framingFile);
    }
  });

  it('FrameDecoder: frames cut anywhere (half a header, one byte at a time, three frames at once)', async () => {
    const framing = await load<FramingModule>('framing.ts');
    const payloads = [0, 1, 3, 4, 4095, 0, 2, random.int(0, 600), random.int(0, 600), 5, 0].map((size, i) => payloadOf(i, size));
    const stream = Buffer.concat(payloads.map(frameOf));
    const cuttings: [string, number[]][] = [
      ['all in one chunk', [stream.length]],
      ['one byte at a time', Array.from({ length: stream.length }, () => 1)],
      ['cut in the middle of the first header', [2, stream.length - 2]],
      ['cut at random', []],
    ];
    for (let at = 0; at < stream.length; ) {
      const n = Math.min(stream.length - at, random.int(1, 9) === 1 ? random.int(100, 5000) : random.int(1, 9));
      cuttings[3]![1].push(n);
      at += n;
    }
    for (const [how, sizes] of cuttings) {
      const decoder = mine('new FrameDecoder()', framingFile, () => new framing.FrameDecoder(), 'a decoder');
      const got: Buffer[] = [];
      let at = 0;
      for (const size of sizes) {
        const chunk = stream.subarray(at, at + size);
        at += size;
        const frames = mine(`feed(${chunk.length} bytes)`, framingFile, () => decoder.feed(chunk, []), 'the frames the chunk completes');
        lab.require(Array.isArray(frames), `feed() returned ${String(frames)}.`, 'an array of the frames the chunk completed (often empty)', framingFile);
        for (const frame of frames) got.push(Buffer.from(frame.payload ?? []));
      }
      for (let i = 0; i < Math.min(got.length, payloads.length); i++) {
        lab.require(
          got[i]!.equals(payloads[i]!),
          `fed ${payloads.length} frames ${how}, frame ${i} came out with ${describeBytes(payloads[i]!, got[i]!)}.`,
          'each frame exactly as encoded (sizes 0, 1, 3, 4, 4095, ... in this order)',
          framingFile,
        );
      }
      lab.require(
        got.length === payloads.length,
        `fed ${payloads.length} whole frames ${how}, your decoder returned ${got.length}.`,
        `all ${payloads.length}, the 0-byte ones too, the last one included: a 0-byte frame is complete the moment its header is`,
        framingFile,
      );
      mine('end()', framingFile, () => decoder.end(), 'end() at a frame boundary to return quietly');
    }
  });

  it('a burst read whole: many frames sent before the first read, fds on some, coalesced into a few reads', async () => {
    const framing = await load<FramingModule>('framing.ts');
    const [a, b] = pair('stream');
    const sent = burstOf(40, 300, true, (bytes, fds) => ref.sendFdsSync(a, fds, bytes));
    await decodeAndCompare(framing, b, sent, () => 65536, 'a burst of 40 frames, reads of up to 64 KiB');
  });

  it('a burst read in tiny reads (1 to 7 bytes): one frame arrives in many reads', async () => {
    const framing = await load<FramingModule>('framing.ts');
    const [a, b] = pair('stream');
    const sent = burstOf(15, 40, true, (bytes, fds) => ref.sendFdsSync(a, fds, bytes));
    await decodeAndCompare(framing, b, sent, () => random.int(1, 7), 'a burst of 15 frames, reads of 1 to 7 bytes');
  });

  it('odd and big sizes (0, 1, 3, 4095, 65537 bytes, random up to 70000), sent while the reader reads', async () => {
    const framing = await load<FramingModule>('framing.ts');
    const [a, b] = pair('stream');
    const sent: Sent[] = [];
    const sends: [Buffer, number[]][] = [];
    const sizes = [...ODD_SIZES, ...Array.from({ length: 8 }, () => sizeOf(70000))];
    sizes.forEach((size, i) => {
      const payload = payloadOf(i, size);
      const fds = random.int(0, 1) === 0 ? tokens(random.int(1, 2)) : [];
      sends.push([frameOf(payload), fds]);
      sent.push({ payload, fds: fds.map(fileIdentity) });
    });
    // More than a socket buffer holds: the sender waits for the reader.
    const sender = (async () => {
      for (const [bytes, fds] of sends) await ref.sendFds(a, fds, bytes);
    })();
    // If your decoder fails first, the send still waiting ends when the
    // socket is closed after the test: that EBADF is not your code's doing.
    sender.catch(() => undefined);
    const readSizes = [1000, 4096, 65536, 200000];
    await decodeAndCompare(framing, b, sent, () => readSizes[random.int(0, readSizes.length - 1)]!, `${sizes.length} frames of ${sizes.join(', ')} bytes`);
    await sender;
  });

  it('frames cut across several sends, each frame\'s fds on one of its pieces', async () => {
    const framing = await load<FramingModule>('framing.ts');
    const [a, b] = pair('stream');
    const sent: Sent[] = [];
    const pieces: [Buffer, number[]][] = [];
    for (let i = 0; i < 20; i++) {
      const payload = payloadOf(i, i < ODD_SIZES.length - 1 ? ODD_SIZES[i]! : sizeOf(3000));
      const bytes = frameOf(payload);
      // Cut points anywhere, the header included.
      const cuts = [...new Set(Array.from({ length: random.int(1, 3) }, () => random.int(1, bytes.length - 1)))].sort((x, y) => x - y);
      const parts = [0, ...cuts, bytes.length].slice(1).map((end, k, ends) => bytes.subarray(k === 0 ? 0 : ends[k - 1]!, end));
      const fds = random.int(0, 1) === 0 ? tokens(random.int(1, 3)) : [];
      const carrier = random.int(0, parts.length - 1);
      parts.forEach((part, k) => pieces.push([part, k === carrier ? fds : []]));
      sent.push({ payload, fds: fds.map(fileIdentity) });
    }
    const sender = (async () => {
      for (const [bytes, fds] of pieces) await ref.sendFds(a, fds, bytes);
    })();
    sender.catch(() => undefined); // as above: a send cut off by the cleanup is not your code's doing
    const readSizes = [1, 2, 3, 5, 64, 65536];
    await decodeAndCompare(framing, b, sent, () => readSizes[random.int(0, readSizes.length - 1)]!, `20 frames sent in ${pieces.length} pieces`);
    await sender;
  });

  it('refuses a frame longer than maxFrameBytes, closing every fd it holds', async () => {
    const framing = await load<FramingModule>('framing.ts');
    const decoder = mine('new FrameDecoder(1024)', framingFile, () => new framing.FrameDecoder(1024), 'a decoder');
    // A frame in progress that holds an fd; then a chunk that completes it
    // and another, and ends in a header that announces 1025 bytes.
    const early = handOver(1);
    const late = handOver(2);
    const first = frameOf(payloadOf(1, 10));
    const header = Buffer.alloc(4);
    header.writeUInt32BE(1025, 0);
    mine('feed(7 bytes, 1 fd)', framingFile, () => decoder.feed(first.subarray(0, 7), early), 'no frame yet, and no error');
    const rest = Buffer.concat([first.subarray(7), frameOf(Buffer.alloc(0)), header]);
    let threw: unknown;
    try {
      decoder.feed(rest, late);
    } catch (error) {
      threw = error;
    }
    if (threw !== undefined) failIfNotWritten(threw, 'FrameDecoder.feed', framingFile);
    lab.require(
      threw !== undefined,
      'a header announcing 1025 bytes, to a decoder with maxFrameBytes 1024, was accepted.',
      'feed() to throw (a FrameError) as soon as the header is complete, before allocating anything',
      framingFile,
    );
    const open = [...early, ...late].filter(isOpen);
    lab.require(
      open.length === 0,
      `after refusing the frame, fd(s) ${open.join(', ')} that were handed to the decoder are still open (it held ${early.length + late.length}).`,
      'every fd the decoder holds closed before it throws: those of the frame in progress, those of the chunk, and those of the frames completed in that call, which the caller never gets',
      framingFile,
    );
    const fresh = mine('new FrameDecoder()', framingFile, () => new framing.FrameDecoder(), 'a decoder');
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(0xffffffff, 0);
    let hugeThrew = false;
    try {
      fresh.feed(huge, []);
    } catch {
      hugeThrew = true;
    }
    lab.require(
      hugeThrew,
      `a header announcing 4294967295 bytes, to a decoder with the default limit (${framing.DEFAULT_MAX_FRAME_BYTES}), was accepted.`,
      'a FrameError: the limit is what stops a garbled header from making you wait for (or allocate) 4 GiB',
      framingFile,
    );
  });

  it('end(): a stream that ends inside a frame is an error, and the fds held are closed', async () => {
    const framing = await load<FramingModule>('framing.ts');
    for (const [how, cut] of [
      ['inside the header', 2],
      ['inside the payload', 9],
    ] as const) {
      const decoder = mine('new FrameDecoder()', framingFile, () => new framing.FrameDecoder(), 'a decoder');
      const held = handOver(2);
      const bytes = frameOf(payloadOf(2, 20)).subarray(0, cut);
      mine(`feed(${cut} bytes, 2 fds)`, framingFile, () => decoder.feed(bytes, held), 'no frame yet, and no error');
      let threw: unknown;
      try {
        decoder.end();
      } catch (error) {
        threw = error;
      }
      if (threw !== undefined) failIfNotWritten(threw, 'FrameDecoder.end', framingFile);
      lab.require(threw !== undefined, `end() after a stream that stopped ${how} returned quietly.`, 'a FrameError: the peer went away in the middle of a frame', framingFile);
      const open = held.filter(isOpen);
      lab.require(
        open.length === 0,
        `end() threw, but fd(s) ${open.join(', ')} of the unfinished frame are still open.`,
        'the fds of the frame in progress closed before end() throws',
        framingFile,
      );
    }
  });

  it('sendFrame: each frame and its fds in one send, as the reference decoder reads them back', async () => {
    const framing = await load<FramingModule>('framing.ts');
    const [a, b] = pair('stream');
    const sizes = [0, 1, 3, 0, 4095, 65537, random.int(0, 5000)];
    const sent: Sent[] = [];
    const sends: [Buffer, number[]][] = sizes.map((size, i) => {
      const fds = i === 0 || i % 2 === 1 ? tokens(random.int(1, 3)) : [];
      const payload = payloadOf(i, size);
      sent.push({ payload, fds: fds.map(fileIdentity) });
      return [payload, fds];
    });
    // The first frame alone, before the reader starts: it fits the socket
    // buffer, and a sendFrame that throws fails here at once.
    const [firstPayload, firstFds] = sends.shift()!;
    await mineAsync(`sendFrame(${firstPayload.length} bytes, ${firstFds.length} fds)`, framingFile, () => framing.sendFrame(a, firstPayload, firstFds), 'the frame sent');
    const sender = (async () => {
      for (const [payload, fds] of sends) {
        await mineAsync(`sendFrame(${payload.length} bytes, ${fds.length} fds)`, framingFile, () => framing.sendFrame(a, payload, fds), 'the frame sent');
      }
      ref.closeFd(a);
      owned.delete(a);
    })();
    const decoder = new ReferenceDecoder();
    const got: { payload: Buffer; fds: number[] }[] = [];
    let chunk: Received | null;
    const sending = sender.then(
      () => undefined,
      (error: unknown) => error,
    );
    for (;;) {
      try {
        chunk = await ref.recvFds(b, { timeoutMs: READ_MS });
      } catch (error) {
        const failure = await sending;
        if (failure !== undefined) throw failure;
        throw error;
      }
      if (chunk === null) break;
      let frames: ReturnType<ReferenceDecoder['feed']>;
      try {
        frames = decoder.feed(chunk.data, chunk.fds);
      } catch (error) {
        return lab.fail(
          `the reference decoder could not read what your sendFrame sent: ${messageOf(error)}`,
          'a 4-byte big-endian length, then the payload, with nothing between frames',
          framingFile,
        );
      }
      for (const frame of frames) {
        for (const fd of frame.fds) owned.add(fd);
        got.push(frame);
      }
    }
    const failure = await sending;
    if (failure !== undefined) throw failure;
    try {
      decoder.end();
    } catch (error) {
      lab.fail(`after your last frame, the stream held a piece of another: ${messageOf(error)}`, 'exactly the frames sent, no extra bytes', framingFile);
    }
    for (let i = 0; i < sent.length; i++) {
      const frame = got[i];
      const want = sent[i]!;
      lab.require(frame !== undefined, `${sizes.length} frames sent with sendFrame, ${got.length} arrived.`, 'every frame', framingFile);
      lab.require(
        frame.payload.equals(want.payload),
        `frame ${i} (sizes ${sizes.join(', ')}) arrived with ${describeBytes(want.payload, frame.payload)}.`,
        'encodeFrame(payload) sent as is',
        framingFile,
      );
      const ids = frame.fds.map(fileIdentity);
      lab.require(
        ids.length === want.fds.length && ids.every((id, k) => id === want.fds[k]),
        `frame ${i} (${want.payload.length} bytes) arrived with ${ids.length} fd(s), ${ids.length === want.fds.length ? 'but not the ones given to sendFrame' : `where ${want.fds.length} were given`}.`,
        'one sendFds(sock, fds, encodeFrame(payload)): the fds ride with their own frame\'s bytes',
        framingFile,
      );
    }
    lab.require(got.length === sent.length, `${sent.length} frames sent with sendFrame, ${got.length} arrived.`, 'exactly one frame per sendFrame', framingFile);
  });
});

// ---------------------------------------------------------------- records on SOCK_SEQPACKET

function nameOf(i: number): string {
  const length = [1, 3, 1, 17, random.int(1, 300)][i % 5]!;
  const letters = 'abcdefghijklmnopqrstuvwxyz-./é';
  return Array.from({ length }, (_, k) => letters[(i * 7 + k * 3) % letters.length]).join('');
}

/** Sends the two raw records of one message, as the check writes them. */
function sendRecords(sock: number, announcement: string | Buffer, record: string | Buffer, fds: number[], announcementFds: number[] = []): void {
  ref.sendFdsSync(sock, announcementFds, announcement);
  ref.sendFdsSync(sock, fds, record);
}

/** The next record on the check's end, read whole; its fds are the check's to close. */
async function nextRecord(sock: number, what: string, expected: string): Promise<Received> {
  let record: Received | null;
  try {
    record = await ref.recvFds(sock, { maxBytes: 65536, maxFds: 253, timeoutMs: READ_MS });
  } catch (error) {
    return lab.fail(`${what} never came (${messageOf(error)}).`, expected, syncFile);
  }
  if (record === null) return lab.fail(`the socket ended before ${what}.`, expected, syncFile);
  for (const fd of record.fds) owned.add(fd);
  return record;
}

function announce(name: string, count: number): string {
  return JSON.stringify({ type: 'fd-follows', name, count });
}

interface Refusal {
  why: string;
  /** What your receiveWithFds should have done, when more can be said than "refuse it". */
  expected?: string;
  /** What the check sends on its end; it may close it (pass the closer). */
  send(sock: number, close: () => void): void;
}

const refusals: Refusal[] = [
  { why: 'an announcement that is not JSON', send: (s) => sendRecords(s, '{"type":"fd-follows","name":"cut', 'cut', tokens(1)) },
  { why: 'an announcement of another type (runC\'s "procReady")', send: (s) => sendRecords(s, JSON.stringify({ type: 'procReady' }), 'procReady', tokens(1)) },
  { why: 'an announcement that carries fds itself', expected: 'a SyncError after closing the fds that came with the announcement (fds travel only in the record after it)', send: (s) => sendRecords(s, announce('early', 1), 'early', tokens(1), tokens(2)) },
  { why: 'a count of 0', send: (s) => sendRecords(s, announce('none', 0), 'none', tokens(1)) },
  { why: 'a count that is not a whole number', send: (s) => sendRecords(s, JSON.stringify({ type: 'fd-follows', name: 'half', count: 1.5 }), 'half', tokens(2)) },
  { why: 'a count of 254, past SCM_MAX_FD', expected: 'a SyncError: count must be a whole number from 1 to MAX_SYNC_FDS (253)', send: (s) => sendRecords(s, announce('many', 254), 'many', tokens(2)) },
  { why: 'an announcement with no name', send: (s) => sendRecords(s, JSON.stringify({ type: 'fd-follows', count: 1 }), 'x', tokens(1)) },
  { why: 'fewer fds than announced (3 announced, 2 sent)', expected: 'a SyncError after closing the 2 fds that did arrive: the count is part of the contract', send: (s) => sendRecords(s, announce('three', 3), 'three', tokens(2)) },
  { why: 'more fds than announced (1 announced, 3 sent)', expected: 'a SyncError: receive the second record with maxFds: count (recvFds then closes them all and rejects EMSGSIZE), or close them yourself', send: (s) => sendRecords(s, announce('one', 1), 'one', tokens(3)) },
  { why: 'a second record that is not the announced one (another name, with the right count of fds)', expected: "a SyncError after closing its fd: the second record's data must be the announced name", send: (s) => sendRecords(s, announce('console', 1), 'mount', tokens(1)) },
  { why: 'a second announcement where the fds were announced', send: (s) => sendRecords(s, announce('first', 1), announce('second', 1), []) },
  {
    why: 'an announcement longer than MAX_RECORD_BYTES (4096), though valid JSON',
    expected: 'a SyncError: read with maxBytes: MAX_RECORD_BYTES + 1 and refuse a record that fills it (on a seqpacket, a longer record is cut without an error)',
    send: (s) => sendRecords(s, JSON.stringify({ type: 'fd-follows', name: 'padded', count: 1, padding: 'p'.repeat(5000) }), 'padded', tokens(1)),
  },
  { why: 'the peer closing before announcing anything', send: (_s, close) => close() },
  {
    why: 'the peer closing after the announcement, before the fds',
    send: (s, close) => {
      ref.sendFdsSync(s, [], announce('gone', 2));
      close();
    },
  },
];

describe("lab 6: runC's sync over SOCK_SEQPACKET (sync.ts)", () => {
  it('sendWithFds: an fd-follows JSON record with no fds, then the name carrying the fds (a burst of 12)', async () => {
    const sync = await load<SyncModule>('sync.ts');
    const [a, b] = pair('seqpacket');
    const sent: { name: string; fds: string[] }[] = [];
    for (let i = 0; i < 12; i++) {
      const name = nameOf(i);
      const fds = tokens(random.int(1, 4));
      await mineAsync(`sendWithFds("${name.slice(0, 20)}", ${fds.length} fds)`, syncFile, () => sync.sendWithFds(a, name, fds), 'two records sent');
      const stillOpen = fds.filter(isOpen);
      lab.require(stillOpen.length === fds.length, `sendWithFds closed fd(s) ${fds.filter((fd) => !isOpen(fd)).join(', ')} it was given.`, 'the fds left open: the caller still owns them', syncFile);
      sent.push({ name, fds: fds.map(fileIdentity) });
    }
    for (const [i, want] of sent.entries()) {
      const first = await nextRecord(b, `the announcement of message ${i}`, 'two records per sendWithFds');
      lab.require(
        first.fds.length === 0,
        `the announcement of "${want.name.slice(0, 20)}" carried ${first.fds.length} fd(s).`,
        'no fds on the JSON record: they go in the record after it',
        syncFile,
      );
      let parsed: { type?: unknown; name?: unknown; count?: unknown } | undefined;
      try {
        parsed = JSON.parse(first.data.toString('utf8')) as typeof parsed;
      } catch {
        lab.fail(`record ${2 * i} is not JSON: ${JSON.stringify(first.data.subarray(0, 80).toString())}.`, `the announcement, ${announce(want.name.slice(0, 10), want.fds.length)}, as one record`, syncFile);
      }
      lab.require(
        parsed?.type === 'fd-follows' && parsed.name === want.name && parsed.count === want.fds.length,
        `message ${i}'s announcement is ${first.data.toString('utf8').slice(0, 120)}.`,
        `{"type":"fd-follows","name":<the name>,"count":${want.fds.length}}`,
        syncFile,
      );
      const second = await nextRecord(b, `the record with the fds of message ${i}`, 'a second record carrying the fds');
      lab.require(
        second.data.toString('utf8') === want.name,
        `the record after "${want.name.slice(0, 20)}"'s announcement holds ${JSON.stringify(second.data.subarray(0, 60).toString())}.`,
        'the name itself as its data (as runC sends the file\'s name with its fd)',
        syncFile,
      );
      const ids = second.fds.map(fileIdentity);
      lab.require(
        ids.length === want.fds.length && ids.every((id, k) => id === want.fds[k]),
        `message ${i}'s second record carried ${ids.length} fd(s), ${ids.length === want.fds.length ? 'but not those given, in their order' : `where ${want.fds.length} were given`}.`,
        'every fd given, in order, on the second record',
        syncFile,
      );
      for (const fd of second.fds) closeOwned(fd);
    }
  });

  it('receiveWithFds: a burst of 12 messages, each announcement and its fds read whole and in order', async () => {
    const sync = await load<SyncModule>('sync.ts');
    const [a, b] = pair('seqpacket');
    const sent: { name: string; fds: string[] }[] = [];
    for (let i = 0; i < 12; i++) {
      const name = nameOf(i + 3);
      const fds = tokens(random.int(1, 4));
      await referenceSendWithFds(a, name, fds);
      sent.push({ name, fds: fds.map(fileIdentity) });
    }
    for (const [i, want] of sent.entries()) {
      const got = await mineAsync('receiveWithFds()', syncFile, () => sync.receiveWithFds(b, { timeoutMs: READ_MS }), `message ${i} of the burst, "${want.name.slice(0, 20)}"`);
      for (const fd of got.fds ?? []) owned.add(fd);
      lab.require(got.name === want.name, `message ${i}: receiveWithFds returned the name ${JSON.stringify(String(got.name).slice(0, 40))}.`, JSON.stringify(want.name.slice(0, 40)), syncFile);
      const ids = (got.fds ?? []).map(fileIdentity);
      lab.require(
        ids.length === want.fds.length && ids.every((id, k) => id === want.fds[k]),
        `message ${i} ("${want.name.slice(0, 20)}"): receiveWithFds returned ${ids.length} fd(s), ${ids.length === want.fds.length ? 'but not the ones sent, in their order' : `where ${want.fds.length} were sent`}.`,
        'the fds of the second record, as they arrived',
        syncFile,
      );
      for (const fd of got.fds) closeOwned(fd);
    }
  });

  for (const refusal of refusals) {
    it(`receiveWithFds refuses ${refusal.why}, closing every fd that arrived`, async () => {
      const sync = await load<SyncModule>('sync.ts');
      const [a, b] = pair('seqpacket');
      refusal.send(a, () => closeOwned(a));
      // Counted after sending: fds in flight are in no process's table.
      const before = openFdCount();
      let result: { name: string; fds: number[] } | undefined;
      let threw: unknown;
      try {
        result = await sync.receiveWithFds(b, { timeoutMs: READ_MS });
      } catch (error) {
        threw = error;
      }
      if (threw !== undefined) failIfNotWritten(threw, 'receiveWithFds', syncFile);
      for (const fd of result?.fds ?? []) owned.add(fd);
      lab.require(
        result === undefined,
        `given ${refusal.why}, receiveWithFds accepted it and returned ${JSON.stringify({ name: String(result?.name).slice(0, 30), fds: result?.fds })}.`,
        refusal.expected ?? 'a SyncError: only an fd-follows announcement, then the record it announces, is accepted',
        syncFile,
      );
      lab.require(
        (threw as { code?: string }).code !== 'ETIMEDOUT',
        `given ${refusal.why}, receiveWithFds waited out its timeout (${messageOf(threw)}).`,
        recvFdsNull(refusal) ? 'a SyncError at once: recvFds returns null when the peer closed' : 'a SyncError at once: everything needed to refuse had arrived',
        syncFile,
      );
      const leaked = openFdCount() - before;
      lab.require(
        leaked <= 0,
        `given ${refusal.why}, receiveWithFds refused it (${messageOf(threw)}) but left ${leaked} fd(s) open.`,
        'every fd that arrived closed (closeAll) before it throws',
        syncFile,
      );
    });
  }
});

function recvFdsNull(refusal: Refusal): boolean {
  return refusal.why.includes('closing');
}
