// Every way a call can fail: end-of-file, timeouts, aborts, a closed peer,
// bad fds, and bad arguments, each with the error shape the contract names.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { root } from '../kit/paths.ts';
import { openFdlab, type Fdlab } from '../native/index.ts';
import { rejectionOf, thrownBy } from './support/promises.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

const fdlab = openFdlab('solutions');

/** The shape of Node's fs errors: code, negative errno, syscall, 'CODE: text, syscall'. */
function expectErrnoError(error: Record<string, unknown>, code: string, syscall: string): void {
  expect(error).to.be.instanceOf(Error);
  expect(error.code).to.equal(code);
  expect(error.syscall).to.equal(syscall);
  expect(error.errno).to.be.a('number').below(0);
  expect(error.message).to.match(new RegExp(`^${code}: .+, ${syscall}$`));
}

describe('errors', () => {
  let pair: [number, number];
  beforeEach(() => (pair = fdlab.socketpair()));
  afterEach(() => {
    for (const fd of pair) {
      try {
        fdlab.closeFd(fd);
      } catch {
        // already closed by the test
      }
    }
  });

  describe('end of file', () => {
    it('recvFds resolves null when the peer has closed', async () => {
      fdlab.closeFd(pair[0]);
      expect(await fdlab.recvFds(pair[1])).to.equal(null);
    });

    it('recvFdsSync returns null when the peer has closed', () => {
      fdlab.closeFd(pair[0]);
      expect(fdlab.recvFdsSync(pair[1])).to.equal(null);
    });

    it('a pending recvFds wakes with null when the peer closes later', async () => {
      const pending = fdlab.recvFds(pair[1]);
      setTimeout(() => fdlab.closeFd(pair[0]), 20);
      expect(await pending).to.equal(null);
    });

    it('data still queued is delivered before the end of file', async () => {
      fdlab.sendFdsSync(pair[0], [], 'last words');
      fdlab.closeFd(pair[0]);
      expect((await fdlab.recvFds(pair[1]))!.data.toString()).to.equal('last words');
      expect(await fdlab.recvFds(pair[1])).to.equal(null);
    });
  });

  describe('timeouts', () => {
    it('recvFds rejects with ETIMEDOUT', async () => {
      const error = await rejectionOf(fdlab.recvFds(pair[1], { timeoutMs: 30 }));
      expectErrnoError(error, 'ETIMEDOUT', 'recvmsg');
      expect(error.message).to.include('30 ms');
    });

    it('recvFdsSync throws ETIMEDOUT', () => {
      expectErrnoError(thrownBy(() => fdlab.recvFdsSync(pair[1], { timeoutMs: 30 })), 'ETIMEDOUT', 'recvmsg');
    });

    it('a timeout of 0 still takes what is already there', async () => {
      fdlab.sendFdsSync(pair[0], [], 'ready');
      expect((await fdlab.recvFds(pair[1], { timeoutMs: 0 }))!.data.toString()).to.equal('ready');
    });
  });

  describe('aborts', () => {
    it('rejects with an AbortError when the signal aborts while waiting', async () => {
      const controller = new AbortController();
      const pending = fdlab.recvFds(pair[1], { signal: controller.signal });
      setTimeout(() => controller.abort(new Error('changed my mind')), 10);
      const error = await rejectionOf(pending);
      expect(error.name).to.equal('AbortError');
      expect(error.code).to.equal('ABORT_ERR');
      expect((error.cause as Error).message).to.equal('changed my mind');
    });

    it('rejects at once when the signal is already aborted, receiving nothing', async () => {
      fdlab.sendFdsSync(pair[0], [], 'left alone');
      const error = await rejectionOf(fdlab.recvFds(pair[1], { signal: AbortSignal.abort() }));
      expect(error.name).to.equal('AbortError');
      expect(thrownBy(() => fdlab.recvFdsSync(pair[1], { signal: AbortSignal.abort() })).name).to.equal('AbortError');
      expect(fdlab.recvFdsSync(pair[1])!.data.toString()).to.equal('left alone');
    });

    it('an aborted receive does not take the next message', async () => {
      const controller = new AbortController();
      const aborted = fdlab.recvFds(pair[1], { signal: controller.signal });
      controller.abort();
      await rejectionOf(aborted);
      fdlab.sendFdsSync(pair[0], [], 'next');
      expect((await fdlab.recvFds(pair[1]))!.data.toString()).to.equal('next');
    });
  });

  describe('a closed peer', () => {
    it('sendFdsSync throws EPIPE and no SIGPIPE is raised', () => {
      // In a child: Node delivers signals as events on a later turn of the
      // loop, and a SIGPIPE listener left behind would change this process.
      // SIGURG, sent after the send, is dispatched after any SIGPIPE the send
      // raised, so when it arrives the count is final.
      const script = `
        import { openFdlab } from './native/index.ts';
        const fdlab = openFdlab('solutions');
        let sigpipes = 0;
        process.on('SIGPIPE', () => sigpipes++);
        const [a, b] = fdlab.socketpair();
        fdlab.closeFd(b);
        let code = 'none';
        try { fdlab.sendFdsSync(a, [], 'anyone?'); } catch (e) { code = e.code; }
        process.on('SIGURG', () => { console.log(JSON.stringify({ code, sigpipes })); process.exit(0); });
        process.kill(process.pid, 'SIGURG');
        setTimeout(() => {}, 10_000);
      `;
      const run = spawnSync(process.execPath, [...TS_LOADER, '--input-type=module', '-e', script], {
        cwd: root,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status, run.stderr).to.equal(0);
      expect(JSON.parse(run.stdout)).to.deep.equal({ code: 'EPIPE', sigpipes: 0 });
    });

    it('sendFds rejects with EPIPE', async () => {
      fdlab.closeFd(pair[1]);
      expectErrnoError(await rejectionOf(fdlab.sendFds(pair[0], [], 'anyone?')), 'EPIPE', 'sendmsg');
    });
  });

  describe('bad fds', () => {
    const notOpen = 1_000_000;
    const cases: [string, (f: Fdlab) => unknown, string][] = [
      ['sendFdsSync on a closed fd', (f) => f.sendFdsSync(notOpen, [], 'x'), 'sendmsg'],
      ['recvFdsSync on a closed fd', (f) => f.recvFdsSync(notOpen), 'recvmsg'],
      ['closeFd on a closed fd', (f) => f.closeFd(notOpen), 'close'],
      ['peerCredentials on a closed fd', (f) => f.peerCredentials(notOpen), 'getsockopt'],
    ];
    for (const [what, call, syscall] of cases) {
      it(`${what} throws EBADF from ${syscall}`, () => {
        const error = thrownBy(() => call(fdlab));
        expectErrnoError(error, 'EBADF', syscall);
        expect(error.message).to.equal(`EBADF: bad file descriptor, ${syscall}`);
      });
    }

    it('sendFds of a closed fd fails with EBADF from sendmsg', async () => {
      expectErrnoError(await rejectionOf(fdlab.sendFds(pair[0], [notOpen])), 'EBADF', 'sendmsg');
    });

    it('recvFds on a file that is not a socket fails with ENOTSOCK', async () => {
      expectErrnoError(await rejectionOf(fdlab.recvFds(0)), 'ENOTSOCK', 'recvmsg');
    });

    it('closeFd while a receive waits rejects that receive with EBADF', async () => {
      const pending = fdlab.recvFds(pair[1]);
      fdlab.closeFd(pair[1]);
      const error = await rejectionOf(pending);
      expect(error.code).to.equal('EBADF');
      expect(error.message).to.include('closed with closeFd while waiting');
    });
  });

  describe('bad arguments (checked before any syscall)', () => {
    const sock = 0;
    const typeErrors: [string, () => unknown][] = [
      ['socketpair(42)', () => fdlab.socketpair(42 as never)],
      ["sendFdsSync('3', [])", () => fdlab.sendFdsSync('3' as never, [])],
      ['sendFdsSync(sock, 7)', () => fdlab.sendFdsSync(sock, 7 as never)],
      ["sendFdsSync(sock, ['1'])", () => fdlab.sendFdsSync(sock, ['1' as never])],
      ['sendFdsSync(sock, [], 42)', () => fdlab.sendFdsSync(sock, [], 42 as never)],
      ['recvFdsSync(sock, "opts")', () => fdlab.recvFdsSync(sock, 'opts' as never)],
      ["recvFdsSync(sock, { maxFds: '2' })", () => fdlab.recvFdsSync(sock, { maxFds: '2' as never })],
      ['recvFdsSync(sock, { signal: {} })', () => fdlab.recvFdsSync(sock, { signal: {} as never })],
      ['closeFd(null)', () => fdlab.closeFd(null as never)],
      ['peerCredentials(undefined)', () => fdlab.peerCredentials(undefined as never)],
    ];
    for (const [call, fn] of typeErrors) {
      it(`${call} throws TypeError ERR_INVALID_ARG_TYPE`, () => {
        const error = thrownBy(fn);
        expect(error).to.be.instanceOf(TypeError);
        expect(error.code).to.equal('ERR_INVALID_ARG_TYPE');
        expect(error.message).to.match(/^The "[\w.[\]]+" argument must be /);
      });
    }

    const rangeErrors: [string, () => unknown][] = [
      ["socketpair('raw')", () => fdlab.socketpair('raw' as never)],
      ['sendFdsSync(-1, [])', () => fdlab.sendFdsSync(-1, [])],
      ['sendFdsSync(1.5, [])', () => fdlab.sendFdsSync(1.5, [])],
      ['sendFdsSync(sock, [-3])', () => fdlab.sendFdsSync(sock, [-3])],
      ['sendFdsSync(sock, 254 fds)', () => fdlab.sendFdsSync(sock, new Array(254).fill(0))],
      ['recvFdsSync(sock, { maxFds: 0 })', () => fdlab.recvFdsSync(sock, { maxFds: 0 })],
      ['recvFdsSync(sock, { maxFds: 254 })', () => fdlab.recvFdsSync(sock, { maxFds: 254 })],
      ['recvFdsSync(sock, { maxBytes: 0 })', () => fdlab.recvFdsSync(sock, { maxBytes: 0 })],
      ['recvFdsSync(sock, { timeoutMs: -1 })', () => fdlab.recvFdsSync(sock, { timeoutMs: -1 })],
      ['recvFdsSync(sock, { timeoutMs: NaN })', () => fdlab.recvFdsSync(sock, { timeoutMs: NaN })],
      ['closeFd(2 ** 31)', () => fdlab.closeFd(2 ** 31)],
    ];
    for (const [call, fn] of rangeErrors) {
      it(`${call} throws RangeError ERR_OUT_OF_RANGE`, () => {
        const error = thrownBy(fn);
        expect(error).to.be.instanceOf(RangeError);
        expect(error.code).to.equal('ERR_OUT_OF_RANGE');
        expect(error.message).to.match(/^The value of "[\w.[\]]+" is out of range\. It must be .+\. Received /);
      });
    }

    it('the async calls reject (not throw) with the same errors', async () => {
      expect((await rejectionOf(fdlab.sendFds(-1, []))).code).to.equal('ERR_OUT_OF_RANGE');
      expect((await rejectionOf(fdlab.recvFds(sock, { maxBytes: 'x' as never }))).code).to.equal('ERR_INVALID_ARG_TYPE');
    });

    it('the addon itself throws a TypeError, not a crash, when called with nonsense', async () => {
      const { loadBinding } = await import('../native/binding.ts');
      const binding = loadBinding('solutions');
      const calls: (() => unknown)[] = [
        () => binding.socketpair('x' as never),
        () => binding.sendmsg(0, {} as never, 'x' as never, true),
        () => binding.sendmsg(0, [], new Uint16Array(2) as never, true),
        () => binding.recvmsg(0, 1e12, 1, true),
        () => binding.recvmsg(0, 16, 999, true),
        () => binding.waitSync(0, 9, 0),
        () => new binding.PollWatcher(0, 'no callback' as never),
        () => (binding.close as (...a: unknown[]) => unknown)(),
      ];
      for (const call of calls) expect(thrownBy(call)).to.be.instanceOf(TypeError);
    });
  });
});
