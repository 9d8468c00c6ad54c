// The public API under random call sequences (reliability/fuzz.ts): a seeded
// run of a few hundred cases on every `make test`, printing its seed
// (FDLAB_FUZZ_SEED replays it; FDLAB_FUZZ_RUNS sets the count); `make fuzz`
// runs 10,000. The run is a process of its own: it counts the whole
// process's fds, which the other test files in a Mocha worker also open and
// close. Below it, the bugs the fuzzer found, each pinned by a test.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { root } from '../kit/paths.ts';
import { openFdlab } from '../native/index.ts';
import { fuzzSeed } from '../reliability/fuzz.ts';
import { expectNoFdLeak } from './support/fds.ts';
import { thrownBy } from './support/promises.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

const fdlab = openFdlab('solutions');
const seed = fuzzSeed();
const RUNS = Number(process.env.FDLAB_FUZZ_RUNS ?? 300);

describe('fuzzing the public API (fast-check)', () => {
  it(`${RUNS} random call sequences: no crash or hang, every failure an Error with a code, no fd growth (seed ${seed})`, function () {
    this.timeout(180_000);
    const run = spawnSync(process.execPath, [...TS_LOADER, 'reliability/fuzz.ts', '--runs', String(RUNS), '--seed', String(seed)], {
      cwd: root,
      encoding: 'utf8',
      timeout: 150_000,
      killSignal: 'SIGKILL',
    });
    console.log(run.stdout.trimEnd().replace(/^/gm, '      '));
    expect(run.signal, `the fuzz run was killed (a hang?):\n${run.stdout}${run.stderr}`).to.equal(null);
    expect(run.status, `${run.stdout}${run.stderr}`).to.equal(0);
  });

  describe('what it found', () => {
    it('an empty async send that first finds the socket full waits, then sends its byte and its fds', () =>
      expectNoFdLeak(async () => {
        const [a, b] = fdlab.socketpair();
        const file = openSync('/dev/null', 'r');
        try {
          const big = 1 << 20;
          const filling = fdlab.sendFds(a, [], Buffer.alloc(big)); // fills the buffer, then waits
          const empty = fdlab.sendFds(a, [file]); // its first try would block
          let bytes = 0;
          const fds: number[] = [];
          while (bytes < big + 1) {
            const got = await fdlab.recvFds(b, { maxBytes: big, timeoutMs: 5000 });
            bytes += got!.data.length;
            fds.push(...got!.fds);
          }
          expect(await filling).to.equal(big);
          expect(await empty, 'bytes the empty send reports').to.equal(1);
          expect(fds, 'the fd that rode on the one byte').to.have.length(1);
          fds.forEach((fd) => fdlab.closeFd(fd));
        } finally {
          closeSync(file);
          fdlab.closeFd(a);
          fdlab.closeFd(b);
        }
      }));

    it('a sparse fds array is refused by the API, naming the hole, not by the addon', () => {
      const error = thrownBy(() => fdlab.sendFdsSync(0, new Array(3)));
      expect(error).to.be.instanceOf(TypeError);
      expect(error.code).to.equal('ERR_INVALID_ARG_TYPE');
      expect(error.message).to.match(/^The "fds\[0\]" argument must be of type number\. Received undefined/);
    });

    it('a sparse array claiming 2^32 - 1 fds given to the addon itself is a TypeError, not an allocation', async () => {
      const { loadBinding } = await import('../native/binding.ts');
      const error = thrownBy(() => loadBinding('solutions').sendmsg(0, new Array(2 ** 32 - 1), new Uint8Array(1), true));
      expect(error).to.be.instanceOf(TypeError);
    });
  });
});
