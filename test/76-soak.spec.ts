// A short soak (reliability/soak.ts; `make soak` runs 100,000 cycles): send
// and receive cycles with every error path mixed in, in a process of its own
// with V8's young generation pinned (--max-semi-space-size=1), so that its
// RSS shows what accumulates and not how large V8 chose to grow its heap.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import type { SoakReport } from '../reliability/soak.ts';
import { describeSoak } from '../reliability/soak.ts';
import { watch } from './support/watched.ts';

const CYCLES = 5000;
const script = fileURLToPath(new URL('../reliability/soak.ts', import.meta.url));
const MiB = 1024 * 1024;

describe('soak (short)', () => {
  it(`${CYCLES} cycles with the error paths mixed in: fd count unchanged, no gross memory growth`, async function () {
    this.timeout(60_000);
    const run = watch(process.execPath, [
      '--max-semi-space-size=1',
      '--expose-gc',
      '--import',
      'tsx',
      script,
      '--cycles',
      String(CYCLES),
      '--json',
    ]);
    const exit = await run.closed;
    const line = run.output().split('\n').find((l) => l.startsWith('{'));
    expect(line, run.output()).to.not.equal(undefined);
    const report = JSON.parse(line!) as SoakReport;
    console.log(describeSoak(report).replace(/^/gm, '      '));
    expect(report.cycles).to.equal(CYCLES);
    expect(report.fdsAfter, 'open fds after the soak').to.equal(report.fdsBefore);
    for (const code of ['EMSGSIZE', 'ETIMEDOUT', 'ABORT_ERR', 'EBADF', 'EPIPE', 'ERR_INVALID_ARG_TYPE']) {
      expect(report.errors[code], `${code} paths taken`).to.be.above(0);
    }
    // make soak holds 100,000 cycles to < 5 MiB. A run this short sees a few
    // MiB of allocator noise, so here the bound only catches a gross leak:
    // 16 MiB over 5,000 cycles is 3 KiB a cycle (one leaked 64 KiB receive
    // buffer a cycle would be 300 MiB). Under `make asan` RSS holds ASan's
    // quarantine of freed memory instead, and says nothing about leaks.
    if (process.env.FDLAB_ADDON_VARIANT !== 'asan') {
      expect(report.rssAfter - report.rssBefore, 'RSS growth').to.be.below(16 * MiB);
    }
    expect(exit.code, run.output()).to.equal(0);
  });
});
