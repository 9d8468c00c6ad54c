// test/support/fd-limit-child.ts: run by test/72-fd-limit.spec.ts under a
// low `ulimit -n`. It fills its own fd table to a chosen room, receives
// messages whose fds do not fit, and prints what happened as one JSON line.
//
// Room is a property of the whole fd table, so nothing but this script may
// open or close an fd while it runs. The tsx loader does both unless kept
// quiet: it writes its transform cache on the libuv thread pool, at any
// moment (the spec turns that off with TSX_DISABLE_CACHE=1), and at start it
// connects two sockets to a `tsx` parent's IPC pipe (/tmp/tsx-<uid>/<ppid>.pipe).
// With no such parent the connects fail, and Node closes both sockets when
// the failure is delivered, on the event loop's first turn (Node 22 and
// later, where the loader runs on the main thread). So this script lets that
// turn pass before it counts anything, and it reports every fd it did not
// make that opened or closed while it ran: a busy neighbour then shows as
// itself, not as a leak or a wrong room.
//
// Open fds are found with fstat over 0..limit, since listing /proc/self/fd
// needs a free fd of its own, which the process may not have.
//
// See: getrlimit(2) (RLIMIT_NOFILE), recvmsg(2) (MSG_CTRUNC), unix(7).
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { openFdlab } from '../../native/index.ts';

const fdlab = openFdlab('solutions');
const limit = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))![1]);

function openFds(): Set<number> {
  const open = new Set<number>();
  for (let fd = 0; fd < limit; fd++) {
    try {
      fstatSync(fd);
      open.add(fd);
    } catch {
      // not open
    }
  }
  return open;
}

function minus(a: Set<number>, b: Set<number>): number[] {
  return [...a].filter((fd) => !b.has(fd));
}

interface Outcome {
  ok?: string;
  code?: string;
  syscall?: string;
  message?: string;
  /** Fds the call opened and left open. */
  leaked: number;
  /** Fds open before the call that it closed, though it did not own them. */
  closedOthers: number;
}

function outcomeOf(before: Set<number>, result: { ok: string } | { error: unknown }): Outcome {
  const after = openFds();
  const counts = { leaked: minus(after, before).length, closedOthers: minus(before, after).length };
  if ('ok' in result) return { ok: result.ok, ...counts };
  const e = result.error as { code?: string; syscall?: string; message?: string };
  return { code: e.code, syscall: e.syscall, message: e.message, ...counts };
}

/** What a call that succeeded returned; the fds it gave us are closed, so they count as no leak. */
function summary(result: unknown): { ok: string } {
  if (Array.isArray(result)) {
    const pair = result as number[];
    pair.forEach((fd) => fdlab.closeFd(fd));
    return { ok: JSON.stringify({ pair: pair.length }) };
  }
  const received = result as { fds: number[]; data: Buffer } | null;
  received?.fds.forEach((fd) => fdlab.closeFd(fd));
  return { ok: JSON.stringify({ bytes: received?.data.length, fds: received?.fds.length }) };
}

function attempt(call: () => unknown): Outcome {
  const before = openFds();
  try {
    return outcomeOf(before, summary(call()));
  } catch (error) {
    return outcomeOf(before, { error });
  }
}

async function attemptAsync(call: () => Promise<unknown>): Promise<Outcome> {
  const before = openFds();
  try {
    return outcomeOf(before, summary(await call()));
  } catch (error) {
    return outcomeOf(before, { error });
  }
}

const filler: number[] = [];
function closeFiller(): void {
  while (filler.length > 0) closeSync(filler.pop()!);
}

/** Opens or closes filler fds until exactly `room` more fds can be opened. */
function leaveRoom(room: number): void {
  closeFiller();
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

// The loader's start-up sockets close on this turn (see the top of the file).
await new Promise((resolve) => setImmediate(resolve));
const othersAtStart = openFds();

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

closeFiller();
fdlab.closeFd(a);
fdlab.closeFd(b);
closeSync(file);
const othersAtEnd = openFds();
const others = { opened: minus(othersAtEnd, othersAtStart), closed: minus(othersAtStart, othersAtEnd) };
process.stdout.write(`${JSON.stringify({ limit, others, results })}\n`);
