// bench/roundtrip-fdlab.ts: the round-trip benchmark through fdlab's own API,
// the parent's side.
//
//   node --import tsx bench/roundtrip-fdlab.ts sync|async ITERATIONS [WARMUP]
//
// Hands one open file and one byte to a child over a socketpair and waits
// for the child to hand them back, ITERATIONS times after WARMUP untimed
// rounds; the child (roundtrip-fdlab-child.ts) uses the same API. The same
// loop as the C reference (roundtrip.c), so the difference is what the
// addon, Node-API and JavaScript add. Prints one line of JSON.
//
// See: sendmsg(2), recvmsg(2), unix(7) (SCM_RIGHTS).
import { fstatSync, openSync } from 'node:fs';
import { openFdlab } from '../native/index.ts';
import { spawnWithSocket } from '../solutions/02-spawn/spawn.ts';
import { benchFile, check, childCommand, intArg, reap, report, runMain } from './worker.ts';

const fdlab = openFdlab('solutions');

function checkEcho(back: { data: Buffer; fds: number[] } | null, byte: number, i: number): number {
  check(
    back !== null && back.fds.length === 1 && back.data.length === 1 && back.data[0] === byte,
    () => `echo ${i}: sent byte ${byte} and 1 fd, got ${back === null ? 'end of file' : `${back.data.length} byte(s) [${back.data[0]}] and ${back.fds.length} fd(s)`}`,
  );
  return back.fds[0]!;
}

runMain(async () => {
  const api = process.argv[2];
  if (api !== 'sync' && api !== 'async') throw new Error('usage: roundtrip-fdlab.ts sync|async ITERATIONS [WARMUP]');
  const iterations = intArg(3, 'ITERATIONS');
  const warmup = intArg(4, 'WARMUP', Math.ceil(iterations / 10));

  // The file handed back and forth: this script itself.
  const file = openSync(benchFile('roundtrip-fdlab.ts'), 'r');
  const want = fstatSync(file);
  const [ours, theirs] = fdlab.socketpair();
  const child = spawnWithSocket(...childCommand(benchFile('roundtrip-fdlab-child.ts'), [api]), theirs);
  const payload = Buffer.alloc(1);

  let start = 0n;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) start = process.hrtime.bigint();
    const byte = i & 0x7f;
    payload[0] = byte;
    let fd: number;
    if (api === 'sync') {
      fdlab.sendFdsSync(ours, [file], payload);
      fd = checkEcho(fdlab.recvFdsSync(ours), byte, i);
    } else {
      await fdlab.sendFds(ours, [file], payload);
      fd = checkEcho(await fdlab.recvFds(ours), byte, i);
    }
    // Once is proof enough that the same file came back; an fstat every
    // time would add a syscall the C reference does not make.
    if (i === 0) {
      const got = fstatSync(fd);
      check(got.ino === want.ino && got.dev === want.dev, () => 'the fd that came back is not the file sent');
    }
    fdlab.closeFd(fd);
  }
  const elapsed = process.hrtime.bigint() - start;

  fdlab.closeFd(ours); // end of file: the child leaves its loop
  await reap(child, 'fdlab');
  report({
    peer: `fdlab-${api}`,
    iterations,
    echoed: warmup + iterations,
    nsPerRoundTrip: Number(elapsed) / iterations,
  });
});
