// test/support/fd-limit-child.ts: run by test/72-fd-limit.spec.ts under a
// low `ulimit -n`. It fills its own fd table to a chosen room, receives
// messages whose fds do not fit, and prints what happened as one JSON line.
//
// Counting open fds here scans 0..limit with fstat, since listing
// /proc/self/fd needs a free fd of its own, which the process may not have.
//
// See: getrlimit(2) (RLIMIT_NOFILE), recvmsg(2) (MSG_CTRUNC), unix(7).
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { openFdlab } from '../../native/index.ts';

const fdlab = openFdlab('solutions');
const limit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]);

function openCount(): number {
  let n = 0;
  for (let fd = 0; fd < limit; fd++) {
    try {
      fstatSync(fd);
      n++;
    } catch {
      // not open
    }
  }
  return n;
}

interface Outcome {
  ok?: string;
  code?: string;
  syscall?: string;
  message?: string;
  leaked: number;
}

function attempt(call: () => unknown): Outcome {
  const before = openCount();
  try {
    const result = call() as { fds?: number[]; data?: Buffer } | null;
    const ok = JSON.stringify({ bytes: result?.data?.length, fds: result?.fds?.length });
    result?.fds?.forEach((fd) => fdlab.closeFd(fd));
    return { ok, leaked: openCount() - before };
  } catch (error) {
    const e = error as { code?: string; syscall?: string; message?: string };
    return { code: e.code, syscall: e.syscall, message: e.message, leaked: openCount() - before };
  }
}

async function attemptAsync(call: () => Promise<unknown>): Promise<Outcome> {
  const before = openCount();
  try {
    const result = (await call()) as { fds?: number[]; data?: Buffer } | null;
    const ok = JSON.stringify({ bytes: result?.data?.length, fds: result?.fds?.length });
    result?.fds?.forEach((fd) => fdlab.closeFd(fd));
    return { ok, leaked: openCount() - before };
  } catch (error) {
    const e = error as { code?: string; syscall?: string; message?: string };
    return { code: e.code, syscall: e.syscall, message: e.message, leaked: openCount() - before };
  }
}

const filler: number[] = [];
/** Opens or closes filler fds until exactly `room` more fds can be opened. */
function leaveRoom(room: number): void {
  while (filler.length > 0) closeSync(filler.pop()!);
  for (;;) {
    try {
      filler.push(openSync('/dev/null', 'r'));
    } catch (error) {
      if ((error as { code?: string }).code !== 'EMFILE') throw error;
      break;
    }
  }
  for (let i = 0; i < room; i++) closeSync(filler.pop()!);
}

const [a, b] = fdlab.socketpair('seqpacket');
const file = openSync('/dev/null', 'r');
const results: Record<string, Outcome> = {};

// With room to spare, too many fds is the sender's doing: EMSGSIZE.
fdlab.sendFdsSync(a, [file, file, file], 'three');
results.roomyTruncation = attempt(() => fdlab.recvFdsSync(b, { maxFds: 2 }));

leaveRoom(2);
fdlab.sendFdsSync(a, [file, file, file, file, file], 'five');
results.fiveIntoTwo = attempt(() => fdlab.recvFdsSync(b, { maxFds: 16 }));
fdlab.sendFdsSync(a, [], 'next');
results.nextMessage = attempt(() => fdlab.recvFdsSync(b));
fdlab.sendFdsSync(a, [file, file], 'two');
results.twoIntoTwo = attempt(() => fdlab.recvFdsSync(b));

leaveRoom(0);
fdlab.sendFdsSync(a, [file], 'one');
results.oneIntoNone = attempt(() => fdlab.recvFdsSync(b));
// Waiting on the event loop needs no fd of its own.
const pending = attemptAsync(() => fdlab.recvFds(b, { timeoutMs: 10_000 }));
await new Promise((resolve) => setImmediate(resolve));
fdlab.sendFdsSync(a, [file, file, file], 'three later');
results.asyncIntoNone = await pending;
results.socketpairAtLimit = attempt(() => fdlab.socketpair());

leaveRoom(1);
results.socketpairWithRoomForOne = attempt(() => fdlab.socketpair());

leaveRoom(50);
fdlab.closeFd(a);
fdlab.closeFd(b);
closeSync(file);
process.stdout.write(`${JSON.stringify({ limit, results })}\n`);
