// Lab 03 check: fdlab_sendmsg (labs/03-sendmsg/sendmsg.cc).
// Run it with `make lab-3`.
//
// Your sendmsg sends; the reference recvmsg (solutions/) receives, so every
// failure is about the sending side. Your function always runs in a child
// process (the SENDER script below, which calls it through your tree's
// addon), as runC's init does: a sendmsg that crashes (a control buffer too
// small for the fds), blocks (MSG_DONTWAIT dropped) or spins (retrying an
// error other than EINTR) then fails one test with an explanation, instead
// of taking the whole check down with it.
//
// See: sendmsg(2), unix(7) (SCM_RIGHTS), cmsg(3), proc(5) (/proc/pid/fdinfo).
import { spawn } from 'node:child_process';
import { fstatSync, mkdtempSync, openSync, readFileSync, readlinkSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addonPath } from '../../native/binding.ts';
import type { SocketType } from '../../native/index.ts';
import { reapAll, track } from '../../kit/check/children.ts';
import { labContext } from '../../kit/check/context.ts';
import { fdFlags, fileIdentity } from '../../kit/check/fds.ts';
import { seededRandom } from '../../kit/check/random.ts';

const lab = labContext(3);

// A correct sendmsg returns at once; this only bounds how long a hung one is
// waited for before the test says how it hung.
const CHILD_MS = 10_000;

// The sender: runs a list of steps in its own process, with the socket under
// test as its fd 3 and any files to send as fds 4, 5, ... It calls the tree's
// raw binding (one fdlab_sendmsg per call, no retry loop around it), reports
// each result as one JSON line on stdout, and says what it is about to do on
// stderr, so a crash or a hang shows its last words.
const SENDER = String.raw`
'use strict';
const fs = require('node:fs');
const mine = require(process.env.FDLAB_MINE);
const reference = require(process.env.FDLAB_REFERENCE);
const SOCK = 3;
const report = (line) => fs.writeSync(1, JSON.stringify(line) + '\n');
const progress = (text) => fs.writeSync(2, text + '\n');
const fdCount = () => fs.readdirSync('/proc/self/fd').length - 1;
const isOpen = (fd) => { try { fs.fstatSync(fd); return true; } catch { return false; } };
function payload(size, salt) {
  const bytes = Buffer.alloc(size);
  for (let j = 0; j < size; j++) bytes[j] = (j * 31 + salt) & 0xff;
  return bytes;
}
let sigpipes = 0;

function send(fds, data, nonblocking) {
  progress('calling your fdlab_sendmsg: ' + fds.length + ' fd(s), ' + data.length + ' byte(s)' +
    (nonblocking ? ', flags MSG_DONTWAIT' : ', flags 0'));
  const before = fdCount();
  let result;
  try {
    result = { returned: mine.sendmsg(SOCK, fds, data, nonblocking) };
  } catch (error) {
    result = { error: { code: error.code, syscall: error.syscall, message: error.message } };
  }
  progress('it returned: ' + JSON.stringify(result));
  return { ...result, opened: fdCount() - before, closed: [...new Set(fds)].filter((fd) => !isOpen(fd)) };
}

// Every signal handler writes to one pipe that Node reads in order: once our
// own SIGURG has been seen, any SIGPIPE raised before it has been seen too.
function signalsDelivered() {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 1 << 30);
    process.once('SIGURG', () => { clearInterval(keepAlive); resolve(); });
    process.kill(process.pid, 'SIGURG');
  });
}

async function main() {
  for (const [step, s] of JSON.parse(process.env.FDLAB_PLAN).entries()) {
    if (s.op === 'send') {
      report({ step, result: send(s.fds, Buffer.from(s.data, 'base64'), s.nonblocking) });
    } else if (s.op === 'fresh') {
      // Sockets have distinct inodes: the receiver can tell them apart.
      const fds = [];
      while (fds.length < s.count) fds.push(...reference.socketpair(reference.SOCK_STREAM));
      for (const extra of fds.splice(s.count)) reference.close(extra);
      const inodes = fds.map((fd) => String(fs.fstatSync(fd, { bigint: true }).ino));
      const result = send(fds, payload(s.size, s.salt), false);
      for (const fd of fds) if (isOpen(fd)) reference.close(fd);
      report({ step, inodes, result });
    } else if (s.op === 'fill') {
      progress('filling the socket with the reference sendmsg (nobody reads the other end)');
      const chunk = Buffer.alloc(65536);
      let filled = 0;
      for (let n = 0; n >= 0; n = reference.sendmsg(SOCK, [], chunk, true)) filled += n;
      progress('full after ' + filled + ' bytes');
      report({ step, filled });
    } else if (s.op === 'watch-sigpipe') {
      // With a listener, Node turns SIGPIPE into an event instead of
      // ignoring it, so a SIGPIPE the kernel sends can be counted.
      process.on('SIGPIPE', () => sigpipes++);
    } else if (s.op === 'count-sigpipes') {
      await signalsDelivered();
      report({ step, sigpipes });
    }
  }
}
main().then(() => process.exit(0), (error) => { progress(String(error && error.stack)); process.exit(1); });
`;

// The foreign receiver: Python's socket.recv_fds (3.9+) on its fd 3.
const RECEIVER = String.raw`
import json, os, socket
if not hasattr(socket, "recv_fds"):
    print(json.dumps({"skip": "this Python has no socket.recv_fds (3.9+)"}))
    raise SystemExit(0)
sock = socket.socket(fileno=3)
data, fds, flags, _ = socket.recv_fds(sock, 1024, 16)
report = {"bytes": len(data), "fds": len(fds), "truncated": bool(flags & socket.MSG_CTRUNC), "content": None}
if fds:
    report["content"] = os.read(fds[0], 4096).decode("utf-8", "replace")
for fd in fds:
    os.close(fd)
print(json.dumps(report))
`;

type Step =
  | { op: 'send'; fds: number[]; data: string; nonblocking: boolean }
  | { op: 'fresh'; count: number; size: number; salt: number }
  | { op: 'fill' }
  | { op: 'watch-sigpipe' }
  | { op: 'count-sigpipes' };

interface SendResult {
  returned?: number;
  error?: { code?: string; syscall?: string; message?: string };
  /** How many more fds the sender had open after the call than before. */
  opened: number;
  /** Which of the fds it sent were no longer open after the call. */
  closed: number[];
}

interface Report {
  step: number;
  result?: SendResult;
  inodes?: string[];
  filled?: number;
  sigpipes?: number;
}

interface Received {
  data: Buffer;
  /** The fds of each message that carried any, in arrival order. */
  groups: number[][];
}

function send(fds: number[], data: string | Buffer, nonblocking = false): Step {
  return { op: 'send', fds, data: Buffer.from(data).toString('base64'), nonblocking };
}

/** The same bytes the SENDER's payload() makes. */
function payload(size: number, salt: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let j = 0; j < size; j++) bytes[j] = (j * 31 + salt) & 0xff;
  return bytes;
}

// fds this process holds, closed after each test (never twice: a closed
// number may already belong to someone else).
const held = new Set<number>();
function hold(...fds: number[]): void {
  for (const fd of fds) held.add(fd);
}
function release(fd: number): void {
  if (held.delete(fd)) lab.reference.closeFd(fd);
}

function pair(type: SocketType = 'stream'): [number, number] {
  const fds = lab.reference.socketpair(type);
  hold(...fds);
  return fds;
}

let tempDir = '';
function tempFile(name: string, content: string): number {
  const path = join(tempDir, name);
  writeFileSync(path, content);
  const fd = openSync(path, 'r');
  hold(fd);
  return fd;
}

/** What an fd is, in the words of /proc/self/fd (a path, socket:[n], pipe:[n]). */
function whatIs(fd: number): string {
  return readlinkSync(`/proc/self/fd/${fd}`);
}

/** A process's scheduling state from /proc/pid/stat: S (asleep), R (running), ... */
function stateOf(pid: number | undefined): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] ?? '?';
  } catch {
    return '?';
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-8).join('\n    ') || '(nothing)';
}

interface Hang {
  /** What a sender still asleep in the kernel (state S) most likely did wrong. */
  asleep: string;
  /** What a sender still running (state R) most likely did wrong. */
  spinning: string;
  expected: string;
}

const DEFAULT_HANG: Hang = {
  asleep: 'it is asleep in the kernel: a sendmsg(2) that blocks',
  spinning: 'it is running: a loop that never ends, such as retrying on every error instead of only on EINTR',
  expected: 'one sendmsg(2), retried only while it fails with EINTR',
};

/**
 * Runs the steps in a SENDER child that gets `sock` as its fd 3 and `extra`
 * as fds 4, 5, ..., then closes this process's copy of `sock` so that the
 * other end sees EOF once the child is done. Returns the child's reports.
 */
async function runSender(sock: number, steps: Step[], extra: number[] = [], hang = DEFAULT_HANG): Promise<Report[]> {
  const child = spawn(process.execPath, ['-e', SENDER], {
    stdio: ['ignore', 'pipe', 'pipe', sock, ...extra],
    env: {
      ...process.env,
      FDLAB_MINE: addonPath(lab.tree),
      FDLAB_REFERENCE: addonPath('solutions'),
      FDLAB_PLAN: JSON.stringify(steps),
      // glibc writes "stack smashing detected" to /dev/tty unless told otherwise.
      LIBC_FATAL_STDERR_: '1',
    },
  });
  const tracked = track(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
  // spawn() returns once the child has its own copy, dup2'ed to fd 3.
  release(sock);

  let exit: Awaited<ReturnType<typeof tracked.exit>>;
  try {
    exit = await tracked.exit(CHILD_MS);
  } catch {
    const state = stateOf(child.pid);
    const why = state === 'S' ? hang.asleep : state === 'R' ? hang.spinning : `its state is ${state}`;
    return lab.fail(
      `your fdlab_sendmsg did not return within ${CHILD_MS / 1000} s: ${why}. The sender's last words:\n    ${lastLines(stderr)}`,
      hang.expected,
    );
  }
  if (exit.signal !== null) {
    lab.fail(
      `the process running your fdlab_sendmsg was killed by ${exit.signal}. Its last words:\n    ${lastLines(stderr)}`,
      'no crash. The usual cause is a control buffer smaller than what is copied into it: size it for the ' +
        'most fds, char buf[CMSG_SPACE(sizeof(int) * FDLAB_MAX_FDS)] in a union with struct cmsghdr, ' +
        'and refuse nfds > FDLAB_MAX_FDS before copying',
    );
  }
  lab.require(exit.code === 0, `the sender exited with code ${exit.code}:\n    ${lastLines(stderr)}`, 'a clean exit');
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Report);
}

/** Reads `sock` with the reference recvmsg until EOF; the fds that arrive are held. */
async function receiveAll(sock: number, signal: AbortSignal): Promise<Received> {
  const chunks: Buffer[] = [];
  const groups: number[][] = [];
  for (;;) {
    const message = await lab.reference.recvFds(sock, { maxFds: 253, maxBytes: 1 << 20, signal });
    if (message === null) return { data: Buffer.concat(chunks), groups };
    hold(...message.fds);
    chunks.push(message.data);
    if (message.fds.length > 0) groups.push(message.fds);
  }
}

/** Sends from a SENDER child over a fresh pair while this process receives everything. */
async function exchange(type: SocketType, steps: Step[], extra: number[] = []): Promise<{ reports: Report[]; received: Received }> {
  const [a, b] = pair(type);
  const abort = new AbortController();
  const receiving = receiveAll(b, abort.signal);
  receiving.catch(() => {}); // a sender that failed leaves it to be aborted below
  try {
    const reports = await runSender(a, steps, extra);
    return { reports, received: await receiving };
  } finally {
    abort.abort();
  }
}

// What each errno most likely means when a plain send fails.
const ADVICE: Record<string, string> = {
  EINVAL:
    'a well-formed control message: cmsg_len = CMSG_LEN(sizeof(int) * nfds), and msg_controllen = ' +
    'CMSG_SPACE(sizeof(int) * nfds), the space that one cmsg takes, not the size of the whole buffer',
  EBADF: 'the caller\'s own fds in CMSG_DATA(cmsg), copied from fds, and sock as given',
  EFAULT:
    'every pointer in the msghdr pointing at memory you own: memset it to 0 first, msg_iov = &iov, ' +
    'msg_control = your buffer; and when len == 0, data may be NULL: point iov_base at a byte of your own',
  ENOTSOCK: 'sendmsg(2) on sock, the socket you were given',
};

/** The result of the send that `step` reported, failing plainly if the call failed. */
function resultOf(reports: Report[], step: number, what: string): SendResult {
  const result = reports.find((r) => r.step === step)?.result;
  if (result === undefined) return lab.fail(`the sender never reported ${what}.`, 'a result from every call');
  const error = result.error;
  if (error === undefined) return result;
  if (error.code === 'ENOSYS') {
    lab.fail(
      'fdlab_sendmsg is not written yet (it returns -1 with errno ENOSYS).',
      'one sendmsg(2) that carries the data and, when there are fds, an SCM_RIGHTS control message',
    );
  }
  if (error.code === 'ERR_FDLAB_NO_ERRNO') {
    lab.fail(`${what}: your fdlab_sendmsg returned -1 without setting errno.`, 'return -1 only when sendmsg(2) failed, with its errno left as it was');
  }
  return lab.fail(`${what} failed: ${error.message}`, ADVICE[error.code ?? ''] ?? 'it to succeed');
}

/** The bytes a send returned, which must be all it was given (one for an empty payload). */
function requireSent(result: SendResult, length: number, what: string): void {
  const expected = Math.max(length, 1);
  const returned = result.returned!;
  if (returned === 0 && length === 0) {
    lab.fail(
      `${what}: your fdlab_sendmsg returned 0: it sent nothing at all.`,
      'one byte of your own when len == 0 (iov_base = a one-byte buffer, iov_len = 1), so sendmsg(2) returns 1',
    );
  }
  if (returned > 0 && returned < expected) {
    lab.fail(
      `${what}: your fdlab_sendmsg sent only ${returned} of ${expected} bytes, as a nonblocking send into a full socket does.`,
      `all ${expected}: a blocking sendmsg(2) waits for room. Only the frame decides not to wait: ` +
        'pass its flags through (flags | MSG_NOSIGNAL) and add no MSG_DONTWAIT of your own',
    );
  }
  if (returned === -1) {
    lab.fail(
      `${what}: your fdlab_sendmsg reported would-block (EAGAIN) on a blocking call with room in the socket.`,
      'pass the flags you are given through (flags | MSG_NOSIGNAL); do not add MSG_DONTWAIT yourself',
    );
  }
  lab.require(
    returned === expected,
    `${what}: your fdlab_sendmsg returned ${returned}.`,
    `${expected}, the bytes sendmsg(2) sent${length === 0 ? ' (one byte of your own, since the payload was empty)' : ''}: return what it returns`,
  );
}

function firstDifference(got: Buffer, want: Buffer): number {
  const length = Math.min(got.length, want.length);
  for (let i = 0; i < length; i++) if (got[i] !== want[i]) return i;
  return length;
}

describe('lab 3: sendmsg (sendmsg.cc)', function () {
  this.timeout(4 * CHILD_MS);

  before(() => {
    tempDir = mkdtempSync(join(tmpdir(), 'fdlab-lab3-'));
  });
  after(() => {
    rmSync(tempDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await reapAll();
    for (const fd of [...held]) release(fd);
  });

  it('hands over the open file itself: the reference recvmsg gets the same inode', async () => {
    const file = tempFile('same-inode', 'hello from child\n');
    // The sender gets the file as its fd 4 and sends it over its fd 3.
    const { reports, received } = await exchange('stream', [send([4], 'here is a file')], [file]);
    requireSent(resultOf(reports, 0, 'sending 1 fd with 14 bytes'), 14, 'sending 1 fd with 14 bytes');
    const fds = received.groups.flat();
    lab.require(
      fds.length > 0,
      `the reference recvmsg got ${received.data.length} bytes ("${received.data}") but no fd with them.`,
      'one control message in msg_control: cmsg_level SOL_SOCKET, cmsg_type SCM_RIGHTS, ' +
        'cmsg_len CMSG_LEN(sizeof(int) * nfds), the fds copied into CMSG_DATA(cmsg), ' +
        'and msg_controllen = CMSG_SPACE(sizeof(int) * nfds)',
    );
    lab.require(fds.length === 1, `${fds.length} fds arrived for the 1 that was sent.`, 'exactly the nfds fds you were given');
    lab.require(
      fileIdentity(fds[0]!) === fileIdentity(file),
      `the fd that arrived is ${whatIs(fds[0]!)}, not the file that was sent (${whatIs(file)}).`,
      'the fds themselves in CMSG_DATA: memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds)',
    );
    lab.require(
      received.data.toString() === 'here is a file',
      `the data arrived as ${JSON.stringify(received.data.toString())}.`,
      '"here is a file": one iovec with iov_base = data, iov_len = len',
    );
  });

  it('shares one file offset with the receiver: one open file description, not a copy', async () => {
    const file = tempFile('shared-offset', 'hello from child\n');
    const { reports, received } = await exchange('stream', [send([4], 'offset')], [file]);
    resultOf(reports, 0, 'sending 1 fd');
    const theirs = received.groups.flat()[0];
    lab.require(theirs !== undefined, 'no fd arrived.', 'the file, in an SCM_RIGHTS control message');
    const buf = Buffer.alloc(16);
    const first = readSync(theirs!, buf, 0, 6, null);
    lab.require(
      buf.toString('utf8', 0, first) === 'hello ' && fdFlags(file).pos === 6,
      `reading 6 bytes through the received fd left the sent fd's offset at ${fdFlags(file).pos}.`,
      '6: both fds lead to one open file description, with one offset',
    );
    const second = readSync(file, buf, 0, 5, null);
    lab.require(
      buf.toString('utf8', 0, second) === 'from ' && fdFlags(theirs!).pos === 11,
      `reading 5 more bytes through the sent fd gave ${JSON.stringify(buf.toString('utf8', 0, second))}.`,
      '"from ", read from where the receiver left off',
    );
  });

  for (const type of ['stream', 'seqpacket'] as SocketType[]) {
    it(`carries fds on an empty payload by sending one byte (${type})`, async () => {
      const file = tempFile(`empty-${type}`, 'x');
      const { reports, received } = await exchange(type, [send([4], '')], [file]);
      const result = resultOf(reports, 0, 'sending 1 fd with no data');
      const fds = received.groups.flat();
      if (received.data.length === 0 && fds.length === 0) {
        lab.fail(
          `nothing arrived: your fdlab_sendmsg returned ${result.returned}, and the reference recvmsg saw end-of-file. ` +
            'A stream socket silently drops a control message that rides on zero bytes of data.',
          'when len == 0, send one byte of your own: iov_base = a one-byte buffer, iov_len = 1',
        );
      }
      lab.require(
        received.data.length === 1,
        `${received.data.length} bytes arrived with the fd${received.data.length === 0 ? ', which a reader takes for end-of-file' : ''}.`,
        'exactly one byte: when len == 0, iov_base = a one-byte buffer, iov_len = 1',
      );
      lab.require(fds.length === 1, `${fds.length} fds arrived.`, 'the 1 fd that was sent');
      requireSent(result, 0, 'sending 1 fd with no data');
    });
  }

  it('sends no control message when there are no fds: the data arrives alone', async () => {
    const { reports, received } = await exchange('stream', [send([], 'no fds here'), send([], '')]);
    requireSent(resultOf(reports, 0, 'sending 11 bytes and no fds'), 11, 'sending 11 bytes and no fds');
    requireSent(resultOf(reports, 1, 'sending no data and no fds'), 0, 'sending no data and no fds');
    const fds = received.groups.flat();
    lab.require(
      fds.length === 0,
      `${fds.length} fd(s) arrived although none were sent: ${fds.map(whatIs).join(', ')}.`,
      'no control message at all when nfds == 0 (msg_control = NULL, msg_controllen = 0)',
    );
    lab.require(
      received.data.length === 12 && received.data.toString('utf8', 0, 11) === 'no fds here',
      `the data arrived as ${JSON.stringify(received.data.toString())}.`,
      '"no fds here" and then the one byte of the empty message',
    );
  });

  it('leaves the caller owning what it sent: nothing opened, nothing closed', async () => {
    const file = tempFile('owned', 'mine');
    const other = tempFile('owned-too', 'also mine');
    const { reports, received } = await exchange('stream', [send([4, 5, 4], 'three')], [file, other]);
    const result = resultOf(reports, 0, 'sending 3 fds');
    lab.require(
      result.closed.length === 0,
      `after your fdlab_sendmsg returned, the fds it had sent were closed (fd ${result.closed.join(' and ')} in the sending process).`,
      'the fds still open: SCM_RIGHTS gives the receiver its own reference; the caller keeps and closes its own',
    );
    lab.require(
      result.opened === 0,
      `one call left the sender with ${Math.abs(result.opened)} ${result.opened > 0 ? 'more' : 'fewer'} fd(s) open.`,
      'the same fds open before and after: nothing to open, nothing to close',
    );
    const fds = received.groups.flat();
    lab.require(
      fds.length === 3 && fileIdentity(fds[0]!) === fileIdentity(file) && fileIdentity(fds[1]!) === fileIdentity(other) && fileIdentity(fds[2]!) === fileIdentity(file),
      `the receiver got ${fds.length} fd(s): ${fds.map(whatIs).join(', ') || 'none'}.`,
      'the 3 fds, in order (the same fd may be sent twice)',
    );
  });

  it('reports a closed peer as EPIPE, never SIGPIPE (MSG_NOSIGNAL)', async () => {
    const [a, b] = pair('stream');
    release(b);
    const reports = await runSender(a, [{ op: 'watch-sigpipe' }, send([], 'anyone there?'), { op: 'count-sigpipes' }]);
    const result = reports.find((r) => r.step === 1)?.result;
    const sigpipes = reports.find((r) => r.step === 2)?.sigpipes;
    if (result?.error?.code !== 'EPIPE') resultOf(reports, 1, 'sending to a socket whose peer is closed');
    lab.require(
      result?.error?.code === 'EPIPE',
      `sending to a socket whose peer is closed returned ${result?.returned}.`,
      'EPIPE: broken pipe, sendmsg (return -1 with the errno sendmsg(2) set)',
    );
    lab.require(
      sigpipes === 0,
      `the kernel also sent the process SIGPIPE. Node ignores it, but a process that does not, ` +
        "like runC's init or any C program, is killed by it before it ever sees EPIPE.",
      'MSG_NOSIGNAL or-ed into the flags: sendmsg(sock, &msg, flags | MSG_NOSIGNAL)',
    );
  });

  it('delivers 1 to 253 fds in order, with the payload intact (random counts and sizes)', async () => {
    const random = seededRandom();
    const counts = [1, 253, random.int(2, 252), random.int(1, 253)];
    const plan = counts.map((count) => ({ count, size: random.int(1, 16384), salt: random.int(0, 255) }));
    const { reports, received } = await exchange(
      'stream',
      plan.map((p) => ({ op: 'fresh', ...p }) as Step),
    );
    const sentInodes: string[] = [];
    for (const [i, p] of plan.entries()) {
      const what = `message ${i + 1} (${p.count} fds, ${p.size} bytes)`;
      requireSent(resultOf(reports, i, what), p.size, what);
      sentInodes.push(...reports.find((r) => r.step === i)!.inodes!);
    }
    const got = received.groups.flat();
    const gotInodes = got.map((fd) => String(fstatSync(fd, { bigint: true }).ino));
    for (const fd of got) release(fd);
    lab.require(
      got.length === sentInodes.length,
      `${got.length} fds arrived for the ${sentInodes.length} sent: messages of ${counts.join(', ')} fds ` +
        `arrived with ${received.groups.map((g) => g.length).join(', ') || 'no'} fds.`,
      'every fd: cmsg_len = CMSG_LEN(sizeof(int) * nfds), and a control buffer with room for FDLAB_MAX_FDS of them',
    );
    const wrong = gotInodes.findIndex((inode, i) => inode !== sentInodes[i]);
    const sentAs = sentInodes.indexOf(gotInodes[wrong] ?? '');
    lab.require(
      wrong === -1,
      `fd number ${wrong + 1} to arrive is ${sentAs === -1 ? 'none of the fds sent' : `the one sent as number ${sentAs + 1}`}.`,
      'the fds in the order given: memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds)',
    );
    lab.require(
      received.groups.map((g) => g.length).join() === counts.join(),
      `the fds arrived in ${received.groups.length} groups of ${received.groups.map((g) => g.length).join(', ')}.`,
      `${counts.length} groups of ${counts.join(', ')}: each call's fds in one SCM_RIGHTS message, with one sendmsg(2)`,
    );
    const want = Buffer.concat(plan.map((p) => payload(p.size, p.salt)));
    const at = firstDifference(received.data, want);
    lab.require(
      at === want.length && received.data.length === want.length,
      at < Math.min(received.data.length, want.length)
        ? `the payload arrived changed: byte ${at} of ${want.length} differs.`
        : `${received.data.length} bytes arrived for the ${want.length} sent.`,
      'the data as given: one iovec, iov_base = data, iov_len = len',
    );
  });

  it('waits for room when the frame did not say otherwise: 8 MiB, more than a socket holds, go in one call', async () => {
    // The receiver reads as the bytes come, so a blocking send completes;
    // one that does not wait stops when the socket buffer is full.
    const size = 8 << 20;
    const what = 'a blocking send of 8 MiB with 1 fd';
    const { reports, received } = await exchange('stream', [{ op: 'fresh', count: 1, size, salt: 7 }]);
    requireSent(resultOf(reports, 0, what), size, what);
    lab.require(
      received.groups.flat().length === 1 && received.data.equals(payload(size, 7)),
      `the receiver got ${received.data.length} bytes and ${received.groups.flat().length} fd(s).`,
      'the 8 MiB intact and the 1 fd, which travels with the first byte',
    );
  });

  it('refuses more than 253 fds with EINVAL, without writing past its buffer', async () => {
    const [a, b] = pair('stream');
    // The count is what matters, not which fds: the socket itself, repeated.
    const reports = await runSender(a, [send(Array(254).fill(3), 'x'), send(Array(1024).fill(3), 'x')]);
    for (const [step, count] of [254, 1024].entries()) {
      const result = reports.find((r) => r.step === step)?.result;
      if (result?.error?.code !== 'EINVAL') resultOf(reports, step, `sending ${count} fds`);
      lab.require(
        result?.error?.code === 'EINVAL' && result.error.syscall === 'sendmsg',
        `sending ${count} fds returned ${result?.returned}.`,
        'EINVAL: invalid argument, sendmsg (errno = EINVAL; return -1 when nfds > FDLAB_MAX_FDS)',
      );
    }
    const leftover = lab.reference.recvFdsSync(b, { maxFds: 253, timeoutMs: CHILD_MS });
    if (leftover !== null) hold(...leftover.fds);
    lab.require(
      leftover === null,
      `the refused calls still sent ${leftover?.data.length} byte(s) and ${leftover?.fds.length} fd(s).`,
      'nothing sent when the call fails',
    );
  });

  it('passes the frame\'s flags through: MSG_DONTWAIT on a full socket returns would-block', async () => {
    const [a] = pair('stream');
    const reports = await runSender(a, [{ op: 'fill' }, send([], 'x', true)], [], {
      asleep: 'it is asleep in sendmsg(2), waiting for room in the full socket, although the frame asked for MSG_DONTWAIT',
      spinning: 'it is running in a loop: retrying on EAGAIN?',
      expected:
        'sendmsg(sock, &msg, flags | MSG_NOSIGNAL): keep the frame\'s flags (MSG_DONTWAIT here), ' +
        'and return -1 with errno EAGAIN so the frame can wait for room on the event loop',
    });
    const result = resultOf(reports, 1, 'a nonblocking send into a full socket');
    lab.require(
      result.returned === -1,
      `a nonblocking send into a full socket returned ${result.returned}.`,
      '-1 with errno EAGAIN (would block)',
    );
  });

  it('hands a file to a receiver that is not Node: Python\'s socket.recv_fds reads it', async function () {
    const file = tempFile('for-python', 'hello from child\n');
    const [a, b] = pair('stream');
    const reports = await runSender(a, [send([4], 'from node')], [file]);
    resultOf(reports, 0, 'sending 1 fd');
    const python = spawn('python3', ['-c', RECEIVER], { stdio: ['ignore', 'pipe', 'pipe', b] });
    const tracked = track(python);
    release(b);
    const spawned = await new Promise<boolean>((resolve) => {
      python.once('spawn', () => resolve(true));
      python.once('error', () => resolve(false));
    });
    if (!spawned) this.skip();
    const exit = await tracked.exit(CHILD_MS);
    const out = tracked.output().trim();
    lab.require(exit.code === 0, `python3 failed (exit ${exit.code}):\n    ${lastLines(out)}`, 'python3 to receive the file');
    const got = JSON.parse(out.split('\n').pop()!) as { skip?: string; bytes: number; fds: number; truncated: boolean; content: string | null };
    if (got.skip !== undefined) this.skip();
    lab.require(
      got.fds === 1 && !got.truncated,
      `Python received ${got.bytes} bytes and ${got.fds} fds${got.truncated ? ' (MSG_CTRUNC)' : ''}.`,
      '9 bytes and 1 fd',
    );
    lab.require(
      got.content === 'hello from child\n',
      `Python read ${JSON.stringify(got.content)} through the fd.`,
      '"hello from child\\n", the file\'s content',
    );
  });
});

