// A receiver at its open-file limit (RLIMIT_NOFILE): the fds that do not fit
// are dropped by the kernel (MSG_CTRUNC); the receive fails with a clear
// EMFILE that names the limit, closes what did arrive, and the socket goes
// on working. Run in a child under `ulimit -n 256` (test/support/fd-limit-child.ts),
// with tsx's transform cache off, so the loader opens and closes no files on
// the thread pool while the child's fd table is full.
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { watch } from './support/watched.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

const LIMIT = 256;
const script = fileURLToPath(new URL('./support/fd-limit-child.ts', import.meta.url));

interface Outcome {
  ok?: string;
  code?: string;
  syscall?: string;
  message?: string;
  leaked: number;
  closedOthers: number;
}

describe(`a receiver at its open-file limit (ulimit -n ${LIMIT})`, () => {
  let results: Record<string, Outcome>;

  before(async () => {
    const run = watch('bash', ['-c', `ulimit -n ${LIMIT} && exec "$@"`, 'bash', process.execPath, ...TS_LOADER, script], {
      TSX_DISABLE_CACHE: '1',
    });
    const exit = await run.closed;
    expect(exit.code, run.output()).to.equal(0);
    const line = run.output().split('\n').find((l) => l.startsWith('{'));
    const parsed = JSON.parse(line!) as {
      limit: number;
      others: { opened: number[]; closed: number[] };
      results: Record<string, Outcome>;
    };
    expect(parsed.limit).to.equal(LIMIT);
    expect(parsed.others, 'fds the child did not make opened or closed while it ran, so its counts are off').to.deep.equal({
      opened: [],
      closed: [],
    });
    results = parsed.results;
  });

  it('with room to spare, more fds than maxFds is still EMSGSIZE, and nothing leaks', () => {
    expect(results.roomyTruncation).to.include({ code: 'EMSGSIZE', syscall: 'recvmsg', leaked: 0, closedOthers: 0 });
  });

  it('five fds into room for two: EMFILE naming RLIMIT_NOFILE, and the two that arrived are closed', () => {
    const outcome = results.fiveIntoTwo!;
    expect(outcome).to.include({ code: 'EMFILE', syscall: 'recvmsg', leaked: 0, closedOthers: 0 });
    expect(outcome.message).to.match(/^EMFILE: too many open files: .*room for only 2 more .*RLIMIT_NOFILE 256.*, recvmsg$/);
    expect(outcome.message).to.include('every fd that did arrive was closed');
  });

  it('the socket goes on working: the next message arrives whole', () => {
    expect(results.nextMessage).to.include({ ok: JSON.stringify({ bytes: 4, fds: 0 }), leaked: 0, closedOthers: 0 });
  });

  it('fds that fit are received as usual', () => {
    expect(results.twoIntoTwo).to.include({ ok: JSON.stringify({ bytes: 3, fds: 2 }), leaked: 0, closedOthers: 0 });
  });

  it('with no room at all: EMFILE, and nothing leaks', () => {
    expect(results.oneIntoNone).to.include({ code: 'EMFILE', syscall: 'recvmsg', leaked: 0, closedOthers: 0 });
    expect(results.oneIntoNone!.message).to.include('room for only 0 more');
  });

  it('an async receive can wait at the limit (waiting takes no fd) and fails the same way', () => {
    expect(results.asyncIntoNone).to.include({ code: 'EMFILE', syscall: 'recvmsg', leaked: 0, closedOthers: 0 });
  });

  it('socketpair at the limit fails with EMFILE and leaks no half of a pair', () => {
    expect(results.socketpairAtLimit).to.include({ code: 'EMFILE', syscall: 'socketpair', leaked: 0, closedOthers: 0 });
    expect(results.socketpairWithRoomForOne).to.include({ code: 'EMFILE', syscall: 'socketpair', leaked: 0, closedOthers: 0 });
  });
});
