// Lab 07 check: fdlab_peercred (labs/07-peercred/peercred.cc) and
// recvFdsFrom (labs/07-peercred/policy.ts). Run it with `make lab-7`.
//
// Your C++ is called through the addon built from your tree: on a pair this
// process made (both ends report this process), on sockets a Python process
// made or accepted (they report that process, or the one that connected,
// not whoever holds the fd now), and on a closed fd and a non-socket (the
// errors must look like Node's fs errors). Your policy is imported into the
// check process, where it runs on the reference C++: it must hand over fds
// from the expected peer, and refuse any other one with a clear error,
// having closed every fd it sent. "Closed" is proved without a clock: the
// fd sent is one end of a pipe or socketpair whose other end the check
// holds, and that end must see end-of-file.
//
// See: unix(7) (SO_PEERCRED), getsockopt(2), credentials(7), pipe(2).
import { spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBinding } from '../../native/binding.ts';
import type { Received } from '../../native/index.ts';
import { reapAll, track } from '../../kit/check/children.ts';
import { labContext } from '../../kit/check/context.ts';
import { openFdCount } from '../../kit/check/fds.ts';
import { seededRandom } from '../../kit/check/random.ts';

type PolicyModule = typeof import('../../solutions/07-peercred/policy.ts');

const lab = labContext(7);
const random = seededRandom();
const cppFile = lab.file('peercred.cc');
const policyFile = lab.file('policy.ts');

/** How long a Python peer may take; only a broken setup ever waits this long. */
const CHILD_MS = 15_000;
/** How long to wait for an end-of-file that is already due. */
const EOF_MS = 3_000;

const me = { pid: process.pid, uid: process.getuid!(), gid: process.getgid!() };

// The foreign peer. It talks to the check over fd 3 (a socketpair end the
// check gave it) and exits once it has said its piece, so every copy of an
// fd it kept is closed by the time the check looks.
//   made N [UID GID]: makes a socketpair (so it is the recorded peer of
//             both ends) and a pipe; hands the check one end of the pair
//             and the pipe's read end, then queues N messages on the other
//             end, each carrying the pipe's write end, and closes its
//             copies. Run as root, it first becomes UID and GID, so the
//             three numbers the kernel records all differ.
//   accepted DIR: listens on DIR/sock; a forked child connects and exits;
//             the listener hands the check the accepted connection.
const PEER = `
import json, os, socket, sys
check = socket.socket(fileno=3)
mode = sys.argv[1]
if mode == 'made':
    if len(sys.argv) > 4 and os.getuid() == 0:
        os.setgroups([])
        os.setresgid(int(sys.argv[4]), int(sys.argv[4]), int(sys.argv[4]))
        os.setresuid(int(sys.argv[3]), int(sys.argv[3]), int(sys.argv[3]))
    mine, theirs = socket.socketpair()
    r, w = os.pipe()
    me = {'pid': os.getpid(), 'uid': os.getuid(), 'gid': os.getgid()}
    socket.send_fds(check, [json.dumps(me).encode()], [theirs.fileno(), r])
    for i in range(int(sys.argv[2])):
        socket.send_fds(mine, [b'fd %d from python' % i], [w])
    os.close(w)
    os.close(r)
    theirs.close()
    mine.close()
elif mode == 'accepted':
    path = os.path.join(sys.argv[2], 'sock')
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)
    child = os.fork()
    if child == 0:
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.connect(path)
        c.close()
        os._exit(0)
    conn, _ = listener.accept()
    os.waitpid(child, 0)
    socket.send_fds(check, [json.dumps({'pid': os.getpid(), 'uid': os.getuid(), 'gid': os.getgid(), 'connector': child}).encode()], [conn.fileno()])
    conn.close()
    listener.close()
    os.unlink(path)
`;

/** What the Python peer says about itself. */
interface PeerInfo {
  pid: number;
  uid: number;
  gid: number;
  connector?: number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

describe('lab 7: trust before you take (peercred.cc, policy.ts)', () => {
  // Every fd the check owns, closed after each test unless the test did.
  const owned = new Set<number>();
  const own = <T extends number[]>(...fds: T): T => {
    for (const fd of fds) owned.add(fd);
    return fds;
  };
  const close = (fd: number): void => {
    owned.delete(fd);
    lab.reference.closeFd(fd);
  };
  const temps: string[] = [];
  let fdsBefore = 0;

  beforeEach(() => {
    fdsBefore = openFdCount();
  });
  afterEach(async () => {
    await reapAll();
    for (const fd of owned) {
      try {
        lab.reference.closeFd(fd);
      } catch {
        // closed already
      }
    }
    owned.clear();
    for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  /** A reference socketpair the check owns: this process is its recorded peer. */
  const pair = (): [number, number] => own(...lab.reference.socketpair('stream'));

  /**
   * Runs the Python peer with `args` (its mode first); resolves with what
   * it said (its pid, and more) and the fds it handed over, once it has
   * exited and its pipes are closed. Gives up showing its last output.
   */
  async function pythonPeer(args: string[]): Promise<{ info: PeerInfo; fds: number[] }> {
    const [ours, theirs] = lab.reference.socketpair('stream');
    own(ours);
    const child = spawn('python3', ['-c', PEER, ...args], { stdio: ['ignore', 'pipe', 'pipe', theirs] });
    lab.reference.closeFd(theirs); // the child has its copy: EOF reaches us if it dies
    const closed = new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.once('error', () => resolve());
    });
    const tracked = track(child);
    let message: Received | null;
    try {
      message = await lab.reference.recvFds(ours, { timeoutMs: CHILD_MS });
    } catch (error) {
      throw new Error(`the Python peer (${args.join(' ')}) sent nothing: ${messageOf(error)}. Its last output:\n    ${tracked.output().trim() || '(nothing)'}`);
    }
    const { code } = await tracked.exit(CHILD_MS);
    await closed;
    close(ours);
    if (message === null || code !== 0) {
      for (const fd of message?.fds ?? []) lab.reference.closeFd(fd);
      throw new Error(
        `the Python peer (python3 -c ..., ${args.join(' ')}) did not run to completion (exit code ${code}; is python3 installed? see \`make doctor\`). Its output:\n    ${tracked.output().trim() || '(nothing)'}`,
      );
    }
    own(...message.fds);
    return { info: JSON.parse(message.data.toString()) as PeerInfo, fds: message.fds };
  }

  /** Fails unless the check's fd count is back where the test started. */
  function requireNoLeak(did: string, file: string): void {
    for (const fd of owned) {
      try {
        lab.reference.closeFd(fd);
      } catch {
        // closed already
      }
    }
    owned.clear();
    const now = openFdCount();
    lab.require(now === fdsBefore, `${did} left ${now - fdsBefore} fd(s) open in this process.`, 'every fd closed again: no leak', file);
  }

  describe('your fdlab_peercred (peercred.cc)', () => {
    /** Your peerCredentials, failing with what it threw, if it did. */
    function credsOf(sock: number, what: string): { pid: number; uid: number; gid: number } {
      try {
        return lab.mine().peerCredentials(sock);
      } catch (error) {
        const e = error as { code?: string };
        if (e.code === 'ENOSYS') lab.fail('fdlab_peercred is not written yet (it returns -1 with errno ENOSYS).', "the peer's pid, uid and gid from getsockopt(SO_PEERCRED)", cppFile);
        return lab.fail(`peerCredentials on ${what} threw: ${messageOf(error)}`, "the peer's { pid, uid, gid }", cppFile);
      }
    }

    it('reports this process on both ends of a pair it made', () => {
      const [a, b] = pair();
      for (const fd of [a, b]) {
        const got = credsOf(fd, `fd ${fd}, one end of a socketpair this process made`);
        lab.require(
          got.pid === me.pid && got.uid === me.uid && got.gid === me.gid,
          `on fd ${fd}, one end of a pair this process made, it reported pid ${got.pid} uid ${got.uid} gid ${got.gid}.`,
          `pid ${me.pid} uid ${me.uid} gid ${me.gid} (this process: a pair's creator is the recorded peer of both ends); copy cred.pid, cred.uid and cred.gid from the struct ucred`,
          cppFile,
        );
      }
    });

    it('reports the process that made the socket, not the one holding it now (a Python peer)', async () => {
      // Distinct ids (used only when the check runs as root) catch a uid and a gid swapped.
      const uid = random.int(20_000, 29_999);
      const gid = random.int(30_000, 39_999);
      const { info, fds } = await pythonPeer(['made', '0', String(uid), String(gid)]);
      const sock = fds[0]!;
      const got = credsOf(sock, 'a socket a Python process made and handed over');
      lab.require(
        got.pid === info.pid,
        `on a socket that Python (pid ${info.pid}) made with socketpair and handed over, it reported pid ${got.pid}${got.pid === me.pid ? ' (this process, which only holds the fd)' : ''}.`,
        `pid ${info.pid}: SO_PEERCRED gives the credentials recorded when the socket was made, whoever holds the fd now`,
        cppFile,
      );
      lab.require(
        got.uid === info.uid && got.gid === info.gid,
        `it reported uid ${got.uid} gid ${got.gid}.`,
        `uid ${info.uid} gid ${info.gid}, Python's: cred.uid into *uid, cred.gid into *gid`,
        cppFile,
      );
    });

    it('reports the process that connected, on a connection another process accepted', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'fdlab-lab7-'));
      temps.push(dir);
      const { info, fds } = await pythonPeer(['accepted', dir]);
      const got = credsOf(fds[0]!, 'a connection a Python listener accepted and handed over');
      const who = got.pid === info.pid ? ' (the listener that accepted it and handed it over)' : got.pid === me.pid ? ' (this process, which only holds the fd)' : '';
      lab.require(
        got.pid === info.connector,
        `on a connection that pid ${info.connector} made to a listener (pid ${info.pid}), it reported pid ${got.pid}${who}.`,
        `pid ${info.connector}: on an accepted connection the peer is the process that called connect(2)`,
        cppFile,
      );
    });

    function errorOf(sock: number): { code?: string; errno?: number; syscall?: string; message?: string } | undefined {
      try {
        const got = lab.mine().peerCredentials(sock);
        lab.fail(`peerCredentials(${sock}) returned pid ${got.pid} uid ${got.uid} gid ${got.gid}.`, 'an error: return -1 when getsockopt(2) fails', cppFile);
      } catch (error) {
        const e = error as { code?: string; errno?: number; syscall?: string; message?: string; name?: string };
        if (e.name === 'AssertionError') throw error;
        if (e.code === 'ENOSYS') lab.fail('fdlab_peercred is not written yet (it returns -1 with errno ENOSYS).', 'getsockopt(SO_PEERCRED), returning -1 with its errno on failure', cppFile);
        return e;
      }
      return undefined;
    }

    it('fails on an fd that is not open with EBADF, shaped like an fs error', () => {
      const fd = 1_000_000 + random.int(0, 999); // far above any fd this process has open
      const e = errorOf(fd)!;
      lab.require(
        e.code === 'EBADF' && e.errno === -9 && e.syscall === 'getsockopt' && e.message === 'EBADF: bad file descriptor, getsockopt',
        `peerCredentials(${fd}) on an fd that is not open failed with: ${e.message} (code ${e.code}, errno ${e.errno}, syscall ${e.syscall}).`,
        'EBADF: bad file descriptor, getsockopt (return -1 and leave errno as getsockopt(2) set it)',
        cppFile,
      );
    });

    it('fails on a file that is not a socket with ENOTSOCK', () => {
      const fd = openSync('/dev/null', 'r');
      try {
        const e = errorOf(fd)!;
        lab.require(
          e.code === 'ENOTSOCK' && e.syscall === 'getsockopt',
          `peerCredentials on /dev/null failed with: ${e.message} (code ${e.code}, syscall ${e.syscall}).`,
          'ENOTSOCK: socket operation on non-socket, getsockopt',
          cppFile,
        );
      } finally {
        closeSync(fd);
      }
      requireNoLeak('asking a non-socket for credentials', cppFile);
    });

    it('opens no fd of its own', () => {
      const [a] = pair();
      fdsBefore = openFdCount();
      for (let i = 0; i < 5; i++) credsOf(a, 'a socketpair end');
      const now = openFdCount();
      lab.require(now === fdsBefore, `five calls left ${now - fdsBefore} fd(s) open.`, 'none: getsockopt needs no fd of its own', cppFile);
    });
  });

  describe('your policy (policy.ts)', () => {
    async function load(): Promise<PolicyModule> {
      try {
        return (await import(`../../${lab.tree}/07-peercred/policy.ts`)) as PolicyModule;
      } catch (error) {
        return lab.fail(`${policyFile} does not load: ${messageOf(error)}`, 'a file that Node can import', policyFile);
      }
    }

    function failIfNotWritten(error: unknown): void {
      const text = messageOf(error);
      if (text.includes('not written yet')) lab.fail(`it throws "${text}".`, `the TODO(lab 7)s in ${policyFile} done`, policyFile);
    }

    /** Calls recvFdsFrom; resolves with what it gave, or with what it threw. */
    async function attempt(
      sock: number,
      expected: { pid?: number; uid?: number },
      opts?: { timeoutMs?: number },
    ): Promise<{ message?: Received | null; error?: { code?: string; message: string } }> {
      const { recvFdsFrom } = await load();
      try {
        const message = await recvFdsFrom(sock, expected, opts);
        if (message !== null) own(...message.fds);
        return { message };
      } catch (error) {
        failIfNotWritten(error);
        return { error: { code: (error as { code?: string }).code, message: messageOf(error) } };
      }
    }

    /** Resolves with 'waiting' once a call that should have ended long ago still has not. */
    const giveUp = (): Promise<'waiting'> => new Promise((resolve) => setTimeout(() => resolve('waiting'), CHILD_MS).unref());

    /** Fails unless `error` is the refusal, naming what was expected and who was there. */
    function requireRefusal(
      error: { code?: string; message: string } | undefined,
      message: Received | null | undefined,
      situation: string,
      names: { expected: number; actual: number; what: 'pid' | 'uid' },
    ): void {
      lab.require(
        error !== undefined,
        `${situation}, recvFdsFrom handed over ${message === null ? 'end-of-file' : `a message with ${message?.fds.length} fd(s)`}.`,
        'a refusal: compare the peer (peerCredentials) with what was expected before taking anything',
        policyFile,
      );
      lab.require(
        error!.code === 'ERR_FDLAB_UNTRUSTED_PEER',
        `${situation}, it threw: ${error!.message} (code ${error!.code}).`,
        "an UntrustedPeerError (code 'ERR_FDLAB_UNTRUSTED_PEER')",
        policyFile,
      );
      for (const n of [names.expected, names.actual]) {
        lab.require(
          new RegExp(`\\b${n}\\b`).test(error!.message),
          `${situation}, the error says: "${error!.message}", which does not mention ${names.what} ${n}.`,
          `a message naming the expected ${names.what} (${names.expected}) and the actual one (${names.actual}): throw new UntrustedPeerError(sock, expected, actual) with the credentials peerCredentials gave`,
          policyFile,
        );
      }
    }

    /** Fails unless `end` sees end-of-file: every copy of its peer (sent to recvFdsFrom) is closed. */
    function requireClosed(end: number, fdsAfter: number, what: string): void {
      let eof = false;
      try {
        eof = lab.reference.recvFdsSync(end, { timeoutMs: EOF_MS }) === null;
      } catch (error) {
        if ((error as { code?: string }).code !== 'ETIMEDOUT') throw error;
      }
      if (!eof) {
        lab.fail(
          fdsAfter > fdsBefore
            ? `after the refusal, ${what} is still open: recvFdsFrom took it and left it open in this process (${fdsAfter - fdsBefore} more fd(s) open than before).`
            : `after the refusal, ${what} is still open: it is still queued on the socket, where anyone who reads the socket later would get it.`,
          'every fd the untrusted peer queued taken out (recvFdsSync with timeoutMs: 0, until ETIMEDOUT) and closed with closeFd, before throwing',
          policyFile,
        );
      }
    }

    it('decides with isExpectedPeer: every field given must match, a missing one matches anything', async () => {
      const { isExpectedPeer } = await load();
      for (let i = 0; i < 50; i++) {
        const actual = { pid: random.int(2, 4_000_000), uid: random.int(0, 65_535), gid: random.int(0, 65_535) };
        const pidOk = random.int(0, 1) === 1;
        const uidOk = random.int(0, 1) === 1;
        const expected: { pid?: number; uid?: number } = {};
        const shape = random.int(0, 2); // 0: pid only, 1: uid only, 2: both
        if (shape !== 1) expected.pid = pidOk ? actual.pid : actual.pid + random.int(1, 1000);
        if (shape !== 0) expected.uid = uidOk ? actual.uid : actual.uid + random.int(1, 1000);
        const want = (shape === 1 || pidOk) && (shape === 0 || uidOk);
        let got: boolean;
        try {
          got = isExpectedPeer(actual, expected);
        } catch (error) {
          failIfNotWritten(error);
          return lab.fail(`isExpectedPeer threw: ${messageOf(error)}`, 'true or false', policyFile);
        }
        lab.require(
          got === want,
          `isExpectedPeer(${JSON.stringify(actual)}, ${JSON.stringify(expected)}) returned ${got}.`,
          `${want}: every field given (pid, uid) must equal the peer's, and a field not given matches anything`,
          policyFile,
        );
      }
    });

    it('hands over the message and its fds when the peer is the expected one', async () => {
      const [a, b] = pair();
      const [, t2] = pair();
      const text = `trusted ${random.int(0, 1e6)}`;
      lab.reference.sendFdsSync(a, [t2], text);
      const expected = { pid: me.pid, uid: me.uid };
      const { message, error } = await attempt(b, expected);
      lab.require(
        error === undefined,
        `from this process, with expected ${JSON.stringify(expected)} (which it is), recvFdsFrom threw: ${error?.message}.`,
        'the message: the peer is who was expected',
        policyFile,
      );
      lab.require(
        message !== null && message !== undefined && message.data.toString() === text && message.fds.length === 1,
        `it gave ${message === null ? 'end-of-file' : `"${message?.data.toString()}" with ${message?.fds.length} fd(s)`}.`,
        `"${text}" with 1 fd: the next message, from recvFds(sock, opts)`,
        policyFile,
      );
      lab.require(fstatSync(message!.fds[0]!).ino === fstatSync(t2).ino, 'the fd it gave is not the socket that was sent.', 'the fd as recvFds received it', policyFile);
    });

    it('matches on uid alone, and passes the receive options on', async () => {
      const [a, b] = pair();
      lab.reference.sendFdsSync(a, [], 'for uid');
      const first = await attempt(b, { uid: me.uid });
      lab.require(
        first.error === undefined && first.message?.data.toString() === 'for uid',
        `with expected { uid: ${me.uid} } (this process's uid), it ${first.error !== undefined ? `threw: ${first.error.message}` : 'did not give the message sent'}.`,
        'the message: a field not given (pid) matches any peer',
        policyFile,
      );
      // Nothing more is queued: the timeout given must reach recvFds.
      const pending = attempt(b, { uid: me.uid }, { timeoutMs: 100 });
      const second = await Promise.race([pending, giveUp()]);
      if (second === 'waiting') {
        lab.reference.sendFdsSync(a, [], 'unblock'); // so the call ends before the check does
        await pending;
      }
      lab.require(
        second !== 'waiting' && second.error?.code === 'ETIMEDOUT',
        second === 'waiting'
          ? `with { timeoutMs: 100 } and nothing queued, recvFdsFrom was still waiting ${CHILD_MS} ms later.`
          : `with { timeoutMs: 100 } and nothing queued, it ${second.error !== undefined ? `threw: ${second.error.message}` : 'resolved'}.`,
        "an ETIMEDOUT error: pass opts through to recvFds(sock, opts)",
        policyFile,
      );
    });

    it('refuses a peer with another pid, closing every fd it queued', async () => {
      const [a, b] = pair();
      const [t1, t2] = pair();
      const count = random.int(2, 4); // more than one: draining one message is not enough
      for (let i = 0; i < count; i++) lab.reference.sendFdsSync(a, [t2], `queued ${i}`);
      close(t2); // now only the queued copies keep t1's peer open
      const expected = { pid: process.ppid };
      fdsBefore = openFdCount();
      const { message, error } = await attempt(b, expected);
      requireRefusal(error, message, `with expected { pid: ${process.ppid} } (the parent) and this process (pid ${me.pid}) at the other end`, {
        expected: process.ppid,
        actual: me.pid,
        what: 'pid',
      });
      requireClosed(t1, openFdCount(), `the socket sent with each of the ${count} queued message(s)`);
    });

    it('refuses a peer with another uid, even when the pid matches', async () => {
      const [a, b] = pair();
      lab.reference.sendFdsSync(a, [], 'not for you');
      const otherUid = me.uid + random.int(1, 1000);
      const { message, error } = await attempt(b, { pid: me.pid, uid: otherUid });
      requireRefusal(error, message, `with expected { pid: ${me.pid}, uid: ${otherUid} } and uid ${me.uid} at the other end`, {
        expected: otherUid,
        actual: me.uid,
        what: 'uid',
      });
    });

    it('checks before it takes: refuses at once when nothing is queued yet', async () => {
      const [a, b] = pair();
      const pending = attempt(b, { pid: process.ppid });
      const result = await Promise.race([pending, giveUp()]);
      if (result === 'waiting') {
        lab.reference.sendFdsSync(a, [], 'unblock'); // so the call ends before the check does
        await pending;
        return lab.fail(
          `with nothing queued and the wrong peer, recvFdsFrom was still waiting for a message ${CHILD_MS} ms later.`,
          'a refusal without waiting: ask peerCredentials first, and only receive from the expected peer',
          policyFile,
        );
      }
      requireRefusal(result.error, result.message, 'with nothing queued and the wrong peer', { expected: process.ppid, actual: me.pid, what: 'pid' });
    });

    it('refuses an unexpected process (a Python peer) and closes the pipe it sent', async () => {
      const count = random.int(2, 3);
      const { info, fds } = await pythonPeer(['made', String(count)]);
      const [sock, readEnd] = fds as [number, number];
      fdsBefore = openFdCount();
      const { message, error } = await attempt(sock, { pid: me.pid, uid: me.uid });
      requireRefusal(error, message, `with expected { pid: ${me.pid} } and a socket Python (pid ${info.pid}) made`, {
        expected: me.pid,
        actual: info.pid,
        what: 'pid',
      });
      const after = openFdCount();
      // Python wrote nothing into the pipe and has exited: the read end is
      // readable only once every copy of the write end it sent is closed.
      const ready = loadBinding('solutions').waitSync(readEnd, loadBinding('solutions').READABLE, EOF_MS);
      const eof = ready && readSync(readEnd, Buffer.alloc(16)) === 0;
      if (!eof) {
        lab.fail(
          after > fdsBefore
            ? `the pipe's write end Python sent (${count} time(s)) is still open: recvFdsFrom took it and left it open (${after - fdsBefore} more fd(s) open than before).`
            : `the pipe's write end Python sent (${count} time(s)) is still open: it is still queued on the socket.`,
          "end-of-file on the pipe's read end: every fd the untrusted peer queued taken out and closed before throwing",
          policyFile,
        );
      }
      close(sock);
      close(readEnd);
      fdsBefore -= 2;
      requireNoLeak('refusing the Python peer', policyFile);
    });

    it('accepts the same Python peer when its pid is the expected one', async () => {
      const { info, fds } = await pythonPeer(['made', '1']);
      const [sock] = fds as [number, number];
      const { message, error } = await attempt(sock, { pid: info.pid });
      lab.require(
        error === undefined,
        `with expected { pid: ${info.pid} } on a socket Python (pid ${info.pid}) made, recvFdsFrom threw: ${error?.message}.`,
        "the message: the peer is the pid expected (it has exited since, but the kernel's record of it stays)",
        policyFile,
      );
      lab.require(
        message?.data.toString() === 'fd 0 from python' && message.fds.length === 1,
        `it gave ${message === null ? 'end-of-file' : `"${message?.data.toString()}" with ${message?.fds.length} fd(s)`}.`,
        '"fd 0 from python" with 1 fd (the pipe\'s write end)',
        policyFile,
      );
    });
  });
});
