// reliability/soak.ts: many send/receive cycles through the public API, with
// the error paths mixed in, to show that nothing accumulates: not fds, not
// memory, not poll handles.
//
//   node --max-semi-space-size=1 --expose-gc --import tsx reliability/soak.ts \
//     [--cycles 100000] [--json]                                    (make soak)
//
// Each cycle passes one to three fds with a payload, by the async API on
// even cycles and the sync one on odd cycles, and every few cycles also
// takes an error path: a truncated control message (EMSGSIZE), a timeout, an
// abort before and during a wait, a closed fd (EBADF), a closed peer (EPIPE,
// then end-of-file), wrong arguments, a close while a receive waits, and now
// and then 253 fds in one message. It passes when the fd count is unchanged
// and RSS, measured after a garbage collection once warmed up and again at
// the end, grew by less than 5 MiB. V8 grows its young generation under
// allocation pressure (by some 11 MiB of RSS here, after 20,000 cycles or
// 100,000 alike), so the soak runs with it pinned (--max-semi-space-size=1)
// to show what accumulates rather than how V8 sized its heap.
//
// See: unix(7), sendmsg(2), recvmsg(2), proc(5) (/proc/self/fd).
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openFdlab } from '../native/index.ts';
import { openFds } from '../test/support/fds.ts';

export const RSS_LIMIT_BYTES = 5 * 1024 * 1024;

export interface SoakReport {
  cycles: number;
  elapsedMs: number;
  fdsBefore: number;
  fdsAfter: number;
  rssBefore: number;
  rssAfter: number;
  /** The errors the cycles provoked, by code: each one was expected. */
  errors: Record<string, number>;
  fdsPassed: number;
}

// The soak measures RSS after a full collection, so garbage that V8 has not
// yet collected does not count as growth.
function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) return gc();
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function settle(): Promise<number> {
  // Finalizers and closed handles' callbacks run on later turns of the loop.
  for (let i = 0; i < 3; i++) {
    collectGarbage();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage.rss();
}

export async function soak(cycles: number, warmup = 2000): Promise<SoakReport> {
  const fdlab = openFdlab('solutions');
  const errors: Record<string, number> = {};
  let fdsPassed = 0;

  /** Runs a call that must fail with `code`, and counts it. */
  async function expectFailure(code: string, call: () => unknown): Promise<void> {
    try {
      await call();
    } catch (error) {
      const got = (error as { code?: string }).code ?? String(error);
      if (got !== code) throw new Error(`expected ${code}, got ${got}`, { cause: error });
      errors[code] = (errors[code] ?? 0) + 1;
      return;
    }
    throw new Error(`expected ${code}, but the call succeeded`);
  }

  function closeAll(fds: readonly number[]): void {
    fds.forEach((fd) => fdlab.closeFd(fd));
    fdsPassed += fds.length;
  }

  const file = openSync('/dev/null', 'r');
  const [a, b] = fdlab.socketpair('stream');
  const [sa, sb] = fdlab.socketpair('seqpacket');
  const payload = Buffer.alloc(1024, 0x41);

  async function cycle(i: number): Promise<void> {
    const fds = new Array(1 + (i % 3)).fill(file);
    const data = payload.subarray(0, 1 + (i % payload.length));
    if (i % 2 === 0) {
      const receiving = fdlab.recvFds(sb);
      await fdlab.sendFds(sa, fds, data);
      const got = await receiving;
      if (got?.data.length !== data.length || got.fds.length !== fds.length) throw new Error(`cycle ${i}: wrong message`);
      closeAll(got.fds);
    } else {
      fdlab.sendFdsSync(a, fds, data);
      let received = 0;
      // A stream may split the bytes; the fds come with the first part.
      while (received < data.length) {
        const got = fdlab.recvFdsSync(b, { maxBytes: data.length - received });
        received += got!.data.length;
        closeAll(got!.fds);
      }
    }

    if (i % 10 === 0) {
      fdlab.sendFdsSync(sa, [file, file, file], 'three');
      await expectFailure('EMSGSIZE', () => fdlab.recvFds(sb, { maxFds: 2 }));
    }
    if (i % 7 === 0) await expectFailure('ETIMEDOUT', () => fdlab.recvFds(b, { timeoutMs: 0 }));
    if (i % 11 === 0) {
      await expectFailure('ABORT_ERR', () => fdlab.recvFds(b, { signal: AbortSignal.abort() }));
      const controller = new AbortController();
      const waiting = fdlab.recvFds(b, { signal: controller.signal });
      controller.abort();
      await expectFailure('ABORT_ERR', () => waiting);
    }
    if (i % 13 === 0) await expectFailure('EBADF', () => fdlab.sendFdsSync(2 ** 30, [file]));
    if (i % 17 === 0) {
      const [x, y] = fdlab.socketpair();
      fdlab.closeFd(y);
      await expectFailure('EPIPE', () => fdlab.sendFds(x, [file], 'nobody'));
      fdlab.closeFd(x);
      const [p, q] = fdlab.socketpair('seqpacket');
      fdlab.closeFd(p);
      if ((await fdlab.recvFds(q)) !== null) throw new Error(`cycle ${i}: no end-of-file`);
      fdlab.closeFd(q);
    }
    if (i % 19 === 0) {
      await expectFailure('ERR_INVALID_ARG_TYPE', () => fdlab.sendFdsSync(a, ['3' as never]));
      await expectFailure('ERR_OUT_OF_RANGE', () => fdlab.recvFds(b, { maxFds: 254 }));
    }
    if (i % 23 === 0) {
      const [x, y] = fdlab.socketpair();
      const waiting = fdlab.recvFds(y);
      fdlab.closeFd(y);
      await expectFailure('EBADF', () => waiting);
      fdlab.closeFd(x);
    }
    if (i % 997 === 0) {
      fdlab.sendFdsSync(sa, new Array(253).fill(file), 'many');
      closeAll(fdlab.recvFdsSync(sb, { maxFds: 253 })!.fds);
    }
  }

  const started = performance.now();
  let fdsBefore = 0;
  let rssBefore = 0;
  try {
    for (let i = 0; i < cycles + warmup; i++) {
      if (i === warmup) {
        rssBefore = await settle();
        // Not counting the soak's own pair, pair and file, closed at the end.
        fdsBefore = openFds().filter((fd) => ![file, a, b, sa, sb].includes(fd)).length;
      }
      await cycle(i);
    }
  } finally {
    for (const fd of [a, b, sa, sb]) fdlab.closeFd(fd);
    closeSync(file);
  }
  const rssAfter = await settle();
  const fdsAfter = openFds().length;
  return {
    cycles,
    elapsedMs: performance.now() - started,
    fdsBefore,
    fdsAfter,
    rssBefore,
    rssAfter,
    errors,
    fdsPassed,
  };
}

const MiB = 1024 * 1024;

export function describeSoak(r: SoakReport): string {
  const errors = Object.entries(r.errors)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  return [
    `soak: ${r.cycles} cycles in ${(r.elapsedMs / 1000).toFixed(1)} s, ${r.fdsPassed} fds passed and closed`,
    `soak: error paths taken: ${errors}`,
    `soak: open fds before ${r.fdsBefore}, after ${r.fdsAfter} (delta ${r.fdsAfter - r.fdsBefore})`,
    `soak: RSS before ${(r.rssBefore / MiB).toFixed(1)} MiB, after ${(r.rssAfter / MiB).toFixed(1)} MiB ` +
      `(growth ${((r.rssAfter - r.rssBefore) / MiB).toFixed(2)} MiB, limit ${RSS_LIMIT_BYTES / MiB} MiB)`,
  ].join('\n');
}

export function soakPassed(r: SoakReport): boolean {
  return r.fdsAfter === r.fdsBefore && r.rssAfter - r.rssBefore < RSS_LIMIT_BYTES;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--cycles');
  const cycles = at >= 0 ? Number(process.argv[at + 1]) : 100_000;
  const report = await soak(cycles);
  // --json is for a test, which judges the figures itself.
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(report));
  } else {
    const passed = soakPassed(report);
    console.log(`${describeSoak(report)}\nsoak: ${passed ? 'passed' : 'FAILED'}`);
    if (!passed) process.exitCode = 1;
  }
}
