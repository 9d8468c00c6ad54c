// Signals that arrive while recvFdsSync blocks the thread interrupt the
// system call (EINTR, or a restart under SA_RESTART); the receive carries on
// and returns the message that comes next instead of failing. The receiver
// is a child (test/support/blocking-recv-child.ts); the test waits until its
// main thread is asleep in the call, per /proc, before each signal, and until
// the kernel has delivered it before the next.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openFdlab } from '../native/index.ts';
import { spawnWithSocket } from '../solutions/02-spawn/spawn.ts';
import { GENEROUS_MS } from './support/watched.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

const fdlab = openFdlab('solutions');
const script = fileURLToPath(new URL('./support/blocking-recv-child.ts', import.meta.url));
const SIGNALS = 5;
const SIGUSR2_BIT = 1n << 11n; // signal 12, bit 11 of the pending masks

// The system calls a blocked recvFdsSync sleeps in, by architecture.
const BLOCKING: Record<string, number[]> = {
  x64: [7, 47, 271], // poll, recvmsg, ppoll
  arm64: [73, 212], // ppoll, recvmsg
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** True when the main thread of pid sleeps in one of the calls above. */
function asleepInCall(pid: number): boolean {
  const stat = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  if (stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'S') return false;
  const numbers = BLOCKING[process.arch];
  let syscall: string;
  try {
    syscall = readFileSync(`/proc/${pid}/task/${pid}/syscall`, 'utf8');
  } catch {
    return numbers === undefined; // no way to tell the call: sleeping will do
  }
  return numbers === undefined || numbers.includes(Number(syscall.split(' ')[0]));
}

/** True while SIGUSR2 is pending, not yet delivered, for pid. */
function signalPending(pid: number): boolean {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return ['SigPnd', 'ShdPnd'].some((field) => {
    const mask = new RegExp(`^${field}:\\s+([0-9a-f]+)`, 'm').exec(status)?.[1] ?? '0';
    return (BigInt(`0x${mask}`) & SIGUSR2_BIT) !== 0n;
  });
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + GENEROUS_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`never ${what} in ${GENEROUS_MS} ms`);
    await sleep(5);
  }
}

describe('signals during a blocking recvFdsSync', () => {
  for (const [mode, where] of [
    ['forever', 'in recvmsg, no timeout'],
    ['timeout', 'in poll, with a timeout'],
  ] as const) {
    it(`${SIGNALS} signals while it blocks ${where}: retried, and the next message is returned`, async () => {
      const [ours, theirs] = fdlab.socketpair();
      try {
        const child = spawnWithSocket(process.execPath, [...TS_LOADER, script, mode, String(SIGNALS)], theirs, {
          stdio: 'pipe',
        });
        let output = '';
        child.stdout!.on('data', (chunk: Buffer) => (output += chunk));
        child.stderr!.on('data', (chunk: Buffer) => (output += chunk));
        const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
        await until('printed "blocking"', () => output.includes('blocking'));
        const pid = child.pid!;
        for (let i = 0; i < SIGNALS; i++) {
          await until(`asleep in the call before signal ${i + 1}`, () => asleepInCall(pid));
          process.kill(pid, 'SIGUSR2');
          await until(`delivered signal ${i + 1}`, () => !signalPending(pid));
        }
        await until('asleep in the call after the signals', () => asleepInCall(pid));
        expect(output, 'the receive has not returned yet').to.not.include('{');
        fdlab.sendFdsSync(ours, [], 'after the signals');
        expect(await closed, output).to.equal(0);
        const result = JSON.parse(output.split('\n').find((l) => l.startsWith('{'))!) as Record<string, unknown>;
        expect(result).to.deep.equal({ data: 'after the signals', signals: SIGNALS });
      } finally {
        fdlab.closeFd(ours);
      }
    });
  }
});
