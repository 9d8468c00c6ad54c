// bench/handover.ts: what it costs to hand a file to another process, by
// passing its fd or by copying its bytes through the socket, against the
// file's size. The parent's side.
//
//   node --import tsx bench/handover.ts REPS SIZE...
//
// For each size the parent writes a file of that size; the child
// (handover-child.ts) opens it, and on each request either sends its fd
// (one small message, whatever the size) or reads it and writes every byte
// into the socket for the parent to read. The first request of each kind
// is checked (same inode and content; same SHA-256) and not timed; then
// REPS timed samples of each kind, interleaved. A sample is the median of a
// run of handovers, each timed alone: a run of fd handovers has the same
// length at every size, so that the one right after a 256 MiB copy (cold
// caches; on two CPUs, a CPU just woken from idle) does not pass for the
// cost of an fd.
// Both sides use fdlab's sync API, so the only difference is fd versus
// bytes. Prints one line of JSON.
//
// See: sendmsg(2), recvmsg(2), unix(7) (SCM_RIGHTS), pread(2).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFdlab } from '../native/index.ts';
import { spawnWithSocket } from '../solutions/02-spawn/spawn.ts';
import { median } from './stats.ts';
import { benchFile, check, childCommand, intArg, reap, report, runMain } from './worker.ts';

const fdlab = openFdlab('solutions');

/** The most bytes one receive asks for when copying. */
const CHUNK = 256 * 1024;
/** Handovers per sample: an fd's costs the same at every size, so always this many. */
const RUN = 21;
/** Copies per sample: up to RUN, fewer as files grow, so one sample copies at most about this much. */
const BYTES_PER_SAMPLE = 16 * 1024 * 1024;

type Mode = 'fd' | 'copy';

interface HandoverSample {
  size: number;
  fd: number[]; // ns per handover: one entry per sample, each the median of its run
  copy: number[];
}

/** A file of `size` bytes, random so that nothing along the way can shortcut it; returns its SHA-256. */
function writeFile(path: string, size: number): string {
  const block = randomBytes(Math.min(size, 1 << 20));
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < size; at += block.length) {
      const piece = block.subarray(0, Math.min(block.length, size - at));
      writeSync(fd, piece, 0, piece.length, at);
      hash.update(piece);
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

function request(sock: number, text: string): void {
  fdlab.sendFdsSync(sock, [], text);
}

interface Verify {
  /** Fed every byte that arrived, or that the received fd reads. */
  hash: ReturnType<typeof createHash>;
  /** The file's inode: the fd that arrives must be the same file. */
  ino: number;
}

/** One handover; returns the bytes received when copying, or the size of the file the fd leads to. */
function handover(sock: number, mode: Mode, size: number, verify?: Verify): number {
  const hash = verify?.hash;
  request(sock, mode);
  if (mode === 'fd') {
    const message = fdlab.recvFdsSync(sock);
    check(message !== null && message.fds.length === 1, () => `expected 1 fd, got ${message === null ? 'end of file' : message.fds.length}`);
    const fd = message.fds[0]!;
    let got = size;
    if (verify !== undefined) {
      const stat = fstatSync(fd);
      check(stat.ino === verify.ino, () => `the fd that arrived is inode ${stat.ino}, not the file's ${verify.ino}`);
      got = stat.size;
    }
    if (hash !== undefined) {
      // Read it through the received fd: proof that it is the file itself.
      const buffer = Buffer.allocUnsafe(Math.min(size, CHUNK));
      for (let at = 0; at < size; ) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - at), at);
        check(n > 0, () => `the received fd ended at byte ${at} of ${size}`);
        hash.update(buffer.subarray(0, n));
        at += n;
      }
    }
    fdlab.closeFd(fd);
    return got;
  }
  let got = 0;
  while (got < size) {
    const message = fdlab.recvFdsSync(sock, { maxBytes: CHUNK });
    check(message !== null, () => `end of file after ${got} of ${size} bytes`);
    hash?.update(message.data);
    got += message.data.length;
  }
  check(got === size, () => `received ${got} bytes for a ${size}-byte file`);
  return got;
}

runMain(async () => {
  const reps = intArg(2, 'REPS');
  const sizes = process.argv.slice(3).map((_, i) => intArg(3 + i, 'SIZE'));
  check(reps >= 1 && sizes.length > 0, () => 'usage: handover.ts REPS SIZE...');

  const dir = mkdtempSync(join(tmpdir(), 'fdlab-bench-'));
  const [ours, theirs] = fdlab.socketpair();
  const child = spawnWithSocket(...childCommand(benchFile('handover-child.ts')), theirs);
  const results: HandoverSample[] = [];
  const verified: { size: number; fd: boolean; copy: boolean }[] = [];
  try {
    for (const size of sizes) {
      const path = join(dir, `file-${size}`);
      const want = writeFile(path, size);
      request(ours, `open ${path}`);
      const opened = fdlab.recvFdsSync(ours);
      check(opened !== null && opened.data.toString() === 'ok', () => `the child could not open ${path}`);

      // The checked first round, which also warms both paths up.
      const check1 = { size, fd: false, copy: false };
      for (const mode of ['fd', 'copy'] as const) {
        const hash = createHash('sha256');
        const got = handover(ours, mode, size, { hash, ino: statSync(path).ino });
        check1[mode] = got === size && hash.digest('hex') === want;
        check(check1[mode], () => `${mode} handover of ${size} bytes did not deliver the file`);
      }
      verified.push(check1);

      const runs = { fd: RUN, copy: Math.max(1, Math.min(RUN, Math.round(BYTES_PER_SAMPLE / size))) };
      const sample: HandoverSample = { size, fd: [], copy: [] };
      for (let r = 0; r < reps; r++) {
        for (const mode of ['fd', 'copy'] as const) {
          const times: number[] = [];
          for (let b = 0; b < runs[mode]; b++) {
            const start = process.hrtime.bigint();
            handover(ours, mode, size);
            times.push(Number(process.hrtime.bigint() - start));
          }
          sample[mode].push(median(times));
        }
      }
      results.push(sample);
      check(statSync(path).size === size, () => `${path} changed size`);
      rmSync(path);
    }
  } finally {
    fdlab.closeFd(ours); // end of file: the child exits
    rmSync(dir, { recursive: true, force: true });
  }
  await reap(child, 'handover');
  report({ reps, chunk: CHUNK, results, verified });
});
