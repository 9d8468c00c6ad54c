// Lab 04 check: fdlab_recvmsg (labs/04-recvmsg/recvmsg.cc).
// Run it with `make lab-4`. "The reference sendmsg, your recvmsg": every
// message is sent by the solutions tree (or by Python) and received by your
// function, so each failure is about your recvmsg.
//
// The fds sent are sockets, each its own inode, so /proc/self/fd names every
// one ("socket:[12345]"): that is how the check tells which fd arrived
// where, and finds any your code left open. It closes only fds it can
// identify as the ones it sent, never a number your code made up.
//
// See: recvmsg(2), cmsg(3), unix(7) (SCM_RIGHTS, SCM_CREDENTIALS,
// SO_PASSCRED, MSG_CMSG_CLOEXEC), proc(5) (/proc/self/fd, fdinfo).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readlinkSync, readSync } from 'node:fs';
import { addonPath } from '../../native/binding.ts';
import type { Received, RecvOptions, SocketType } from '../../native/index.ts';
import { reapAll, track } from '../../kit/check/children.ts';
import { labContext } from '../../kit/check/context.ts';
import { fdFlags, openFdCount } from '../../kit/check/fds.ts';
import { seededRandom, type SeededRandom } from '../../kit/check/random.ts';

const lab = labContext(4);
const ref = lab.reference;

// Long enough for a busy machine to start a child; only reached when
// something is wrong.
const GIVE_UP_MS = 15_000;

interface ThrownError {
  code?: string;
  message?: string;
}

/** What fd is, as /proc/self/fd says ("socket:[12345]"), or undefined if it is not open. */
function what(fd: number): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return undefined;
  }
}

/** The fds open now. Not the listing's own: it is closed by the time we look, and its number free for the next fd. */
function openFdSet(): Set<number> {
  return new Set(
    readdirSync('/proc/self/fd')
      .map(Number)
      .filter((fd) => what(fd) !== undefined),
  );
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** Fds the check sent, by what /proc/self/fd calls them. */
interface Payload {
  fds: number[];
  names: string[];
}

/** What one call of your recvmsg did. */
interface Attempt {
  message?: Received | null;
  error?: ThrownError;
  /** Fds of the payload it left open without returning them (the check has closed them). */
  strays: number[];
}

describe('lab 4: recvmsg (recvmsg.cc)', () => {
  let random: SeededRandom;
  const owned = new Set<number>();

  before(() => {
    random = seededRandom();
  });

  afterEach(async () => {
    for (const fd of owned) {
      try {
        ref.closeFd(fd);
      } catch {
        // the test closed it already
      }
    }
    owned.clear();
    await reapAll();
  });

  function pair(type: SocketType = 'stream'): [number, number] {
    const [a, b] = ref.socketpair(type);
    owned.add(a).add(b);
    return [a, b];
  }

  function close(fd: number): void {
    owned.delete(fd);
    ref.closeFd(fd);
  }

  /** `count` fds to send, each a distinct socket. */
  function payload(count: number): Payload {
    const fds: number[] = [];
    while (fds.length < count) fds.push(...pair());
    if (fds.length > count) close(fds.pop()!);
    return { fds, names: fds.map((fd) => what(fd)!) };
  }

  function describeFd(fd: number, sent: Payload): string {
    const name = what(fd);
    if (name === undefined) return `fd ${fd}, which is not open`;
    const index = sent.names.indexOf(name);
    if (index < 0) return `fd ${fd} (${name}), which is none of the fds sent`;
    return `fd ${fd}, the ${ordinal(index + 1)} fd sent`;
  }

  /**
   * After a receive: takes ownership of every fd returned that is one the
   * check sent, and closes (and returns) any other of them the receive left
   * open. `before` is the set of fds open before the receive.
   */
  function claim(before: Set<number>, sent: Payload, returned: readonly number[]): number[] {
    for (const fd of returned) {
      const name = what(fd);
      if (name !== undefined && sent.names.includes(name)) owned.add(fd);
    }
    const strays = [...openFdSet()].filter((fd) => {
      const name = before.has(fd) || returned.includes(fd) ? undefined : what(fd);
      return name !== undefined && sent.names.includes(name);
    });
    for (const fd of strays) ref.closeFd(fd);
    return strays;
  }

  /** Calls your recvmsg once, through recvFdsSync, and claims what it received. */
  function attempt(sock: number, opts: RecvOptions, sent: Payload): Attempt {
    const before = openFdSet();
    let message: Received | null | undefined;
    let error: ThrownError | undefined;
    try {
      message = lab.mine().recvFdsSync(sock, opts);
    } catch (thrown) {
      error = thrown as ThrownError;
    }
    return { message, error, strays: claim(before, sent, message?.fds ?? []) };
  }

  /** Fails with what the error says about the learner's code. */
  function explain(error: ThrownError, situation: string): never {
    switch (error.code) {
      case 'ENOSYS':
        return lab.fail('fdlab_recvmsg is not written yet (it returns -1 with errno ENOSYS).', 'a message and its fds, received with recvmsg(2)');
      case 'ERR_FDLAB_CONTRACT':
        return lab.fail(
          `${situation}, your function broke its contract: ${error.message}.`,
          'at most cap bytes and at most maxfds fds; when more fds arrive than maxfds, close them all and fail with EMSGSIZE',
        );
      case 'ERR_FDLAB_NO_ERRNO':
        return lab.fail(`${situation}, it returned -1 without setting errno.`, 'return -1 only when recvmsg(2) failed (errno is then set), or set errno yourself (EMSGSIZE)');
      case 'EMSGSIZE':
        return lab.fail(
          `${situation}, it failed with EMSGSIZE (truncated) although every fd had room.`,
          'a control buffer of CMSG_SPACE(sizeof(int) * maxfds) bytes (plus room for credentials), aligned by a union with struct cmsghdr',
        );
      case 'ETIMEDOUT':
        return lab.fail(
          `${situation}, it reported nothing to read (EAGAIN) although a message was waiting.`,
          'return what recvmsg(2) returned: the bytes, or -1 with errno as it left it',
        );
      default:
        return lab.fail(`${situation}, it threw: ${error.message}`, 'the message and its fds');
    }
  }

  /** The message your recvmsg returned, or a failure that says why there is none. */
  function received(result: Attempt, situation: string): Received | null {
    if (result.error !== undefined) explain(result.error, situation);
    return result.message!;
  }

  function requireMessage(message: Received | null, situation: string): asserts message is Received {
    lab.require(
      message !== null,
      `${situation}, it returned 0 bytes and no fds, which the frame reports as end-of-file (null).`,
      'return the byte count recvmsg(2) returned: 0 means end-of-file, and only then',
    );
  }

  function requireNoStrays(result: Attempt, situation: string): void {
    lab.require(
      result.strays.length === 0,
      `${situation}, it left ${result.strays.length} received fd(s) open without returning them (fd ${result.strays.join(', ')}).`,
      'every fd the kernel installed is either returned in fds (and counted in *nfds) or closed',
    );
  }

  /** Requires the fds to be exactly the ones sent, in order. */
  function requireInOrder(fds: readonly number[], sent: Payload, situation: string): void {
    lab.require(
      fds.length === sent.fds.length,
      `${situation}, it returned ${fds.length} fd(s) of the ${sent.fds.length} sent.`,
      `all ${sent.fds.length}: take (cmsg_len - CMSG_LEN(0)) / sizeof(int) fds from each SOL_SOCKET/SCM_RIGHTS cmsg`,
    );
    fds.forEach((fd, i) => {
      lab.require(
        what(fd) === sent.names[i],
        `${situation}, the ${ordinal(i + 1)} fd returned is ${describeFd(fd, sent)}.`,
        `the fds in the order they were sent: copy them out of CMSG_DATA(cmsg) one after another (memcpy; the data may be unaligned)`,
      );
    });
  }

  it('receives every fd sent, in order (random counts from 1 to 253)', () => {
    const rounds: [number, SocketType][] = [
      [1, 'stream'],
      [253, 'seqpacket'],
      [random.int(2, 252), 'stream'],
      [random.int(2, 252), 'dgram'],
    ];
    for (const [count, type] of rounds) {
      const [a, b] = pair(type);
      const sent = payload(count);
      ref.sendFdsSync(a, sent.fds, `${count} fds`);
      const fdsBefore = openFdCount();
      // maxFds is exactly the count: a buffer one int too small shows.
      const situation = `Receiving ${count} fd(s) on a ${type} socket with maxFds ${count}`;
      const result = attempt(b, { maxFds: count, timeoutMs: GIVE_UP_MS }, sent);
      const message = received(result, situation);
      requireMessage(message, situation);
      requireNoStrays(result, situation);
      requireInOrder(message.fds, sent, situation);
      for (const fd of message.fds) close(fd);
      lab.require(
        openFdCount() === fdsBefore,
        `${situation} and closing the ${count} fd(s) it returned, the process has ${openFdCount() - fdsBefore} more fd(s) open than before.`,
        'no fd opened but the ones returned',
      );
    }
  });

  it('marks every received fd close-on-exec (MSG_CMSG_CLOEXEC)', () => {
    const [a, b] = pair();
    const sent = payload(3);
    ref.sendFdsSync(a, sent.fds, 'three');
    const situation = 'Receiving 3 fds';
    const result = attempt(b, { maxFds: 3, timeoutMs: GIVE_UP_MS }, sent);
    const message = received(result, situation);
    requireMessage(message, situation);
    for (const fd of message.fds) {
      lab.require(
        what(fd) !== undefined && fdFlags(fd).cloexec,
        `${situation}, fd ${fd} arrived without close-on-exec: every program this process starts would inherit it.`,
        'recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC): the kernel sets close-on-exec as it installs each fd (an fcntl afterwards leaves a window for another thread to fork and exec)',
      );
    }
  });

  it('delivers the data intact beside the fds (random bytes)', () => {
    const [a, b] = pair();
    const data = Buffer.alloc(random.int(1, 8192));
    for (let i = 0; i < data.length; i++) data[i] = random.int(0, 255);
    const sent = payload(random.int(1, 8));
    ref.sendFdsSync(a, sent.fds, data);
    const situation = `Receiving ${data.length} random bytes with ${sent.fds.length} fd(s) (maxBytes ${data.length})`;
    const result = attempt(b, { maxBytes: data.length, maxFds: sent.fds.length, timeoutMs: GIVE_UP_MS }, sent);
    const message = received(result, situation);
    requireMessage(message, situation);
    const got = message.data;
    lab.require(
      got.length === data.length,
      `${situation}, it returned ${got.length} bytes.`,
      `all ${data.length}: return the byte count recvmsg(2) returned`,
    );
    let firstDifference = 0;
    while (firstDifference < data.length && got[firstDifference] === data[firstDifference]) firstDifference++;
    lab.require(
      got.equals(data),
      `${situation}, the bytes it returned differ from those sent from byte ${firstDifference} on.`,
      'the data exactly: one iovec of { buf, cap } in msg_iov',
    );
    requireInOrder(message.fds, sent, situation);
  });

  it('gives fds [] for a message that carried none', () => {
    const [a, b] = pair();
    const text = `no fds here ${random.int(0, 1e6)}`;
    ref.sendFdsSync(a, [], text);
    const situation = 'Receiving a message sent without fds';
    const result = attempt(b, { timeoutMs: GIVE_UP_MS }, { fds: [], names: [] });
    const message = received(result, situation);
    requireMessage(message, situation);
    lab.require(message.data.toString() === text, `${situation}, the data came back as ${JSON.stringify(message.data.toString())}.`, JSON.stringify(text));
    lab.require(
      message.fds.length === 0,
      `${situation}, it returned fds [${message.fds.join(', ')}].`,
      '*nfds = 0 when no SCM_RIGHTS control message came (CMSG_FIRSTHDR is NULL)',
    );
  });

  it('reads at most maxBytes, and the rest waits for the next receive', () => {
    const [a, b] = pair();
    const data = Buffer.from(Array.from({ length: 100 }, () => random.int(0, 255)));
    const sent = payload(2);
    ref.sendFdsSync(a, sent.fds, data);
    const first = attempt(b, { maxBytes: 10, maxFds: 2, timeoutMs: GIVE_UP_MS }, sent);
    const head = received(first, 'Receiving 100 bytes with maxBytes 10');
    lab.require(
      head !== null && head.data.equals(data.subarray(0, 10)),
      `Receiving 100 bytes with maxBytes 10, it returned ${head === null ? 'null' : `${head.data.length} bytes`}, not the first 10.`,
      'iov_len = cap: recvmsg(2) fills at most cap bytes and leaves the rest queued',
    );
    requireInOrder(head!.fds, sent, 'Receiving 100 bytes with 2 fds and maxBytes 10 (the fds come with the first byte)');
    const tail = received(attempt(b, { maxBytes: 200, timeoutMs: GIVE_UP_MS }, sent), 'Receiving the 90 bytes left');
    lab.require(
      tail !== null && tail.data.equals(data.subarray(10)) && tail.fds.length === 0,
      `Receiving the 90 bytes left, it returned ${tail === null ? 'null' : `${tail.data.length} bytes and ${tail.fds.length} fd(s)`}.`,
      'the remaining 90 bytes and no fds',
    );
  });

  /** Sends count fds, receives with maxFds < count: EMSGSIZE, and nothing left open. */
  function requireTruncation(count: number, maxFds: number, why: string, [a, b] = pair()): void {
    const sent = payload(count);
    ref.sendFdsSync(a, sent.fds, 'too many');
    const fdsBefore = openFdCount();
    const situation = `Receiving ${count} fds with maxFds ${maxFds}`;
    const result = attempt(b, { maxFds, timeoutMs: GIVE_UP_MS }, sent);
    if (result.error === undefined) {
      const returned = result.message?.fds.length ?? 0;
      const lost = result.strays.length > 0 ? ` It also left ${result.strays.length} fd(s) open that it did not return.` : '';
      lab.fail(
        `${situation}, it returned ${returned} fd(s) and no error, as if nothing had been lost.${why}${lost}`,
        'when MSG_CTRUNC is set in msg.msg_flags, or more than maxfds fds arrived: close every fd that arrived, set *nfds = 0 and fail with errno EMSGSIZE',
      );
    }
    if (result.error!.code !== 'EMSGSIZE') explain(result.error!, situation);
    lab.require(
      result.strays.length === 0,
      `${situation}, it failed with EMSGSIZE but left ${result.strays.length} of the fds that arrived open (fd ${result.strays.join(', ')}).`,
      'close every fd that arrived before failing: the kernel put them in your fd table as recvmsg(2) returned',
    );
    lab.require(
      openFdCount() === fdsBefore,
      `${situation}, it failed with EMSGSIZE, but the process has ${openFdCount() - fdsBefore} more fd(s) open than before.`,
      'the fd count unchanged by a truncated receive',
    );
  }

  it('refuses a truncated control message with EMSGSIZE and leaks nothing (random counts)', () => {
    for (let round = 0; round < 3; round++) {
      const count = random.int(2, 253);
      requireTruncation(count, random.int(1, count - 1), '');
    }
  });

  it('counts more fds than maxFds as truncation too: 20 fds sent, maxFds 19', () => {
    requireTruncation(
      20,
      19,
      ' CMSG_SPACE rounds up to 8 bytes, so a buffer for 19 fds has room for 20: all 20 arrived without MSG_CTRUNC, and the 20th must not be dropped in silence.',
    );
  });

  it('tells end-of-file (null) from a one-byte message', () => {
    const [a, b] = pair();
    const sent = payload(1);
    ref.sendFdsSync(a, sent.fds); // no data: the reference sends one byte
    const withFd = received(attempt(b, { timeoutMs: GIVE_UP_MS }, sent), 'Receiving a one-byte message with 1 fd');
    requireMessage(withFd, 'Receiving a one-byte message with 1 fd');
    lab.require(
      withFd.data.length === 1,
      `Receiving a one-byte message with 1 fd, it returned ${withFd.data.length} bytes.`,
      'the 1 byte recvmsg(2) received',
    );
    requireInOrder(withFd.fds, sent, 'Receiving a one-byte message with 1 fd');

    ref.sendFdsSync(a, [], 'x');
    const plain = received(attempt(b, { timeoutMs: GIVE_UP_MS }, sent), 'Receiving a one-byte message without fds');
    lab.require(
      plain !== null && plain.data.toString() === 'x',
      `Receiving the one-byte message "x", it returned ${plain === null ? 'null (end-of-file)' : JSON.stringify(plain.data.toString())}.`,
      '"x": 1 byte is data, not end-of-file',
    );

    close(a);
    const result = attempt(b, { timeoutMs: GIVE_UP_MS }, sent);
    if (result.error !== undefined && result.error.code !== 'ENOSYS') {
      lab.fail(
        `After the peer closed its end, it failed: ${result.error.message}`,
        'recvmsg(2) returns 0 at end-of-file: return 0 with *nfds = 0 (not -1)',
      );
    }
    const atEnd = received(result, 'After the peer closed its end');
    lab.require(
      atEnd === null,
      `After the peer closed its end, it returned ${atEnd?.data.length} bytes and ${atEnd?.fds.length} fd(s) instead of end-of-file.`,
      'return 0 (and *nfds = 0) when recvmsg(2) returns 0',
    );
  });

  /** Runs a child with `sock` as its fd 3; resolves with its output once it has exited and its pipes are closed. */
  async function runWithFd3(command: string, args: string[], sock: number, purpose: string): Promise<string> {
    const child: ChildProcess = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe', sock] });
    // 'close' comes after 'exit', once the stdout/stderr pipes are closed too:
    // no fd of ours is still open for this child when we go on.
    const closed = new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => resolve());
    });
    const tracked = track(child);
    const { code } = await tracked.exit(GIVE_UP_MS);
    await closed;
    if (code !== 0) {
      throw new Error(`${purpose}: \`${command}\` did not run to completion (exit code ${code}; ${command === 'python3' ? 'is python3 installed? see `make doctor`' : 'see its output'}). Its output:\n    ${tracked.output().trim() || '(nothing)'}`);
    }
    return tracked.output();
  }

  /** A pair whose receiving end b has SO_PASSCRED set. */
  async function passCredPair(): Promise<[number, number]> {
    const [a, b] = pair();
    // Node cannot set SO_PASSCRED; Python can, on fd 3. The option belongs
    // to the socket, not to the fd, so it stays after the child exits.
    await runWithFd3(
      'python3',
      ['-c', 'import socket\ns = socket.socket(fileno=3)\ns.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)\ns.detach()'],
      b,
      'setting SO_PASSCRED on the receiving socket',
    );
    return [a, b];
  }

  // The sender is this process: these numbers fill the SCM_CREDENTIALS cmsg.
  const credentials = [process.pid, process.getuid!(), process.getgid!()];

  function requireNotCredentials(fds: readonly number[], situation: string): void {
    lab.require(
      !credentials.every((n, i) => fds[i] === n),
      `${situation}, it returned fds [${fds.join(', ')}]: that is the SCM_CREDENTIALS cmsg (pid ${credentials[0]}, uid ${credentials[1]}, gid ${credentials[2]}) read as if it held fds.`,
      'take fds only from cmsgs with cmsg_level == SOL_SOCKET && cmsg_type == SCM_RIGHTS, and skip the others',
    );
  }

  /**
   * On a SO_PASSCRED pair, a message without fds must give fds []. Checked
   * first, before any fds are sent: code that reads the credentials as fds
   * would otherwise report more fds than maxFds, and the frame would close
   * those "fds", which are a pid, a uid and a gid (0 for root: stdin).
   */
  function requireCredentialsSkipped(a: number, b: number): void {
    ref.sendFdsSync(a, [], 'credentials only');
    const situation = 'With SO_PASSCRED set, receiving a message without fds';
    const message = received(attempt(b, { timeoutMs: GIVE_UP_MS }, { fds: [], names: [] }), situation);
    requireMessage(message, situation);
    requireNotCredentials(message.fds, situation);
    lab.require(message.fds.length === 0, `${situation}, it returned fds [${message.fds.join(', ')}].`, 'fds []: only SCM_RIGHTS cmsgs carry fds');
  }

  it('walks every control message: with SO_PASSCRED the credentials come first, and the fds still arrive', async function () {
    this.timeout(GIVE_UP_MS * 2);
    const [a, b] = await passCredPair();
    requireCredentialsSkipped(a, b);

    // maxFds is exactly the count: only the room kept for the credentials
    // lets all the fds fit behind them.
    const count = random.int(1, 253);
    const sent = payload(count);
    ref.sendFdsSync(a, sent.fds, 'fds after credentials');
    const situation = `With SO_PASSCRED set, receiving ${count} fd(s) with maxFds ${count}`;
    const result = attempt(b, { maxFds: count, timeoutMs: GIVE_UP_MS }, sent);
    if (result.error?.code === 'EMSGSIZE') {
      lab.fail(
        `${situation}, it failed with EMSGSIZE. The kernel puts an SCM_CREDENTIALS cmsg (the sender's pid, uid and gid: CMSG_SPACE(sizeof(struct ucred)) = 32 bytes) in the control buffer before the fds; your buffer had no room for both, so the fds were cut off (MSG_CTRUNC).`,
        'a control buffer of CMSG_SPACE(sizeof(int) * maxfds) + CMSG_SPACE(sizeof(struct ucred)) bytes',
      );
    }
    const message = received(result, situation);
    requireMessage(message, situation);
    requireNotCredentials(message.fds, situation);
    if (message.fds.length === 0 && result.strays.length > 0) {
      lab.fail(
        `${situation}, it found no fds and left the ${result.strays.length} that arrived open. The first cmsg is SCM_CREDENTIALS, not SCM_RIGHTS: code that looks only at CMSG_FIRSTHDR finds the credentials and misses the fds.`,
        'walk every cmsg: for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg)), taking fds from each SOL_SOCKET/SCM_RIGHTS one',
      );
    }
    lab.require(
      message.fds.length > 0,
      `${situation}, it found no fds, and none arrived: the SCM_CREDENTIALS cmsg (CMSG_SPACE(sizeof(struct ucred)) = 32 bytes) came first and left no room for them, so the kernel dropped them and set MSG_CTRUNC, which your code did not report.`,
      'a control buffer of CMSG_SPACE(sizeof(int) * maxfds) + CMSG_SPACE(sizeof(struct ucred)) bytes, and EMSGSIZE whenever msg.msg_flags has MSG_CTRUNC',
    );
    requireNoStrays(result, situation);
    requireInOrder(message.fds, sent, situation);
  });

  it('notices MSG_CTRUNC when exactly maxFds fds arrived (SO_PASSCRED takes the spare room)', async function () {
    this.timeout(GIVE_UP_MS * 2);
    // The credentials fill the room kept for them, and an even maxFds leaves
    // no padding: exactly maxFds fds fit, and only MSG_CTRUNC tells that
    // the rest were dropped.
    const pair = await passCredPair();
    requireCredentialsSkipped(...pair);
    const maxFds = 2 * random.int(1, 125);
    requireTruncation(
      random.int(maxFds + 1, 253),
      maxFds,
      ` With SO_PASSCRED set, the credentials took the room kept for them and exactly ${maxFds} fds fit: only MSG_CTRUNC in msg.msg_flags said that the others were dropped.`,
      pair,
    );
  });

  it('returns at once when there is nothing to read and the frame asks not to wait (MSG_DONTWAIT)', async function () {
    this.timeout(GIVE_UP_MS * 2);
    const [, b] = pair(); // the check keeps the peer open: no end-of-file either
    // In a child: if your recvmsg ignores flags it blocks, and only a
    // process can be killed out of a blocking syscall.
    const call = 'recvmsg(3, 64, 4, nonblocking = true)';
    const script = [
      'const binding = require(process.argv[1]);',
      `console.log('calling the binding\\'s ${call} on a socket with nothing to read');`,
      'let result;',
      'try { result = binding.recvmsg(3, 64, 4, true); } catch (error) { console.log(`threw: ${error.message}`); process.exit(0); }',
      "console.log(`returned: ${result === undefined ? 'undefined' : JSON.stringify(result)}`);",
    ].join('\n');
    let output: string;
    try {
      output = await runWithFd3(process.execPath, ['-e', script, addonPath(lab.tree)], b, `calling ${call} in a child`);
    } catch (error) {
      if (!/still running/.test((error as Error).message)) throw error;
      return lab.fail(
        `With nothing to read, the binding's ${call} was still blocked after ${GIVE_UP_MS / 1000} s (the check ran it in a child, and killed it).`,
        "the frame's flags passed through: recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC). With MSG_DONTWAIT, recvmsg(2) fails at once with EAGAIN and Node waits on its event loop instead",
      );
    }
    if (/ENOSYS/.test(output)) explain({ code: 'ENOSYS' }, '');
    const answer = /^(returned|threw): (.*)$/m.exec(output);
    lab.require(
      answer?.[1] === 'returned' && answer[2] === 'undefined',
      `With nothing to read, the binding's ${call} ${answer ? `${answer[1]} ${answer[2]}` : `gave no answer: ${output.trim()}`}.`,
      'undefined, the frame\'s "would block": return -1 with errno EAGAIN as recvmsg(2) left it (never 0, which means end-of-file)',
    );
  });

  it('receives fds from a foreign sender: Python\'s socket.send_fds', async function () {
    this.timeout(GIVE_UP_MS * 2);
    const [a, b] = pair();
    const words = ['one', 'two', 'three'];
    // Three pipes, each holding a word, their write ends closed: reading a
    // received read end can never block.
    const script = [
      'import json, os, socket',
      's = socket.socket(fileno=3)',
      'fds, names = [], []',
      `for word in ${JSON.stringify(words)}:`,
      '    r, w = os.pipe()',
      '    os.write(w, word.encode())',
      '    os.close(w)',
      '    fds.append(r)',
      "    names.append('pipe:[%d]' % os.fstat(r).st_ino)",
      "socket.send_fds(s, [b'from python'], fds)",
      's.detach()',
      'print(json.dumps(names))',
    ].join('\n');
    const output = await runWithFd3('python3', ['-c', script], a, 'sending 3 pipes from Python');
    const sent: Payload = { fds: [], names: JSON.parse(output.trim().split('\n').pop()!) as string[] };

    const situation = "Receiving 3 fds sent by Python's socket.send_fds (with the async recvFds)";
    let message: Received | null = null;
    const before = openFdSet();
    try {
      message = await lab.mine().recvFds(b, { maxFds: 3, timeoutMs: GIVE_UP_MS });
    } catch (error) {
      explain(error as ThrownError, situation);
    }
    const strays = claim(before, sent, message?.fds ?? []);
    requireMessage(message, situation);
    lab.require(
      message.data.toString() === 'from python',
      `${situation}, the data came back as ${JSON.stringify(message.data.toString())}.`,
      '"from python"',
    );
    requireNoStrays({ strays }, situation);
    lab.require(message.fds.length === 3, `${situation}, it returned ${message.fds.length} fd(s).`, 'the 3 pipes, in order');
    message.fds.forEach((fd, i) => {
      lab.require(
        what(fd) === sent.names[i],
        `${situation}, the ${ordinal(i + 1)} fd returned (fd ${fd}) is ${what(fd) ?? 'not open'}, not the ${ordinal(i + 1)} pipe sent (${sent.names[i]}).`,
        'the fds in the order they were sent',
      );
      const buf = Buffer.alloc(16);
      const word = buf.subarray(0, readSync(fd, buf)).toString();
      lab.require(word === words[i], `${situation}, reading the ${ordinal(i + 1)} pipe gave ${JSON.stringify(word)}.`, JSON.stringify(words[i]));
    });
  });
});
