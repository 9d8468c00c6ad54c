// Sending and receiving fds: counts, payloads, the same open file on both
// sides, close-on-exec on arrival, both APIs, and a real foreign peer.
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openFdlab, type SocketType } from '../native/index.ts';
import { spawnWithSocket } from '../solutions/02-spawn/spawn.ts';
import { expectNoFdLeak, fdInfo } from './support/fds.ts';
import { thrownBy } from './support/promises.ts';

const fdlab = openFdlab('solutions');

describe('sendFds / recvFds', () => {
  let dir: string;
  let pair: [number, number];
  const opened: number[] = [];

  function tempFile(name: string, content = ''): number {
    const fd = openSync(join(dir, name), 'w+');
    if (content) writeSync(fd, content, 0);
    opened.push(fd);
    return fd;
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdlab-test-'));
    pair = fdlab.socketpair();
  });
  afterEach(() => {
    for (const fd of [...pair, ...opened.splice(0)]) closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const count of [1, 2, 253]) {
    it(`passes ${count} fd(s) with a payload, in order, as the same files`, async () => {
      const sent = Array.from({ length: count }, (_, i) => tempFile(`f${i}`));
      expect(await fdlab.sendFds(pair[0], sent, `payload-${count}`)).to.equal(`payload-${count}`.length);
      const got = await fdlab.recvFds(pair[1], { maxFds: 253 });
      expect(got?.data.toString()).to.equal(`payload-${count}`);
      expect(got?.fds).to.have.length(count);
      got!.fds.forEach((fd, i) => {
        expect(fd, 'a new fd number, not the sender\'s').to.not.equal(sent[i]);
        expect(fstatSync(fd).ino).to.equal(fstatSync(sent[i]!).ino);
        opened.push(fd);
      });
    });
  }

  it('refuses 254 fds before any syscall (RangeError, SCM_MAX_FD is 253)', () => {
    const fd = tempFile('one');
    const error = thrownBy(() => fdlab.sendFdsSync(pair[0], new Array(254).fill(fd)));
    expect(error).to.be.instanceOf(RangeError);
    expect(error.code).to.equal('ERR_OUT_OF_RANGE');
    expect(thrownBy(() => fdlab.recvFdsSync(pair[1], { timeoutMs: 0 })).code, 'nothing was sent').to.equal('ETIMEDOUT');
  });

  it('hands over the same open file description: one shared offset', () => {
    const fd = tempFile('shared', 'abcdef');
    fdlab.sendFdsSync(pair[0], [fd]);
    const [copy] = fdlab.recvFdsSync(pair[1])!.fds;
    opened.push(copy!);
    // read(2) through the copy moves the offset the sender sees too.
    const buf = Buffer.alloc(3);
    readSync(copy!, buf, 0, 3, null);
    expect(buf.toString()).to.equal('abc');
    expect(fdInfo(fd).pos).to.equal(3);
    readSync(fd, buf, 0, 3, null);
    expect(buf.toString()).to.equal('def');
    expect(fdInfo(copy!).pos).to.equal(6);
  });

  it('sends one byte when there is no payload, so the fds are not dropped', () => {
    const fd = tempFile('alone');
    expect(fdlab.sendFdsSync(pair[0], [fd])).to.equal(1);
    const got = fdlab.recvFdsSync(pair[1])!;
    opened.push(...got.fds);
    expect(got.data).to.have.length(1);
    expect(got.fds).to.have.length(1);
  });

  it('delivers received fds close-on-exec: a spawned child does not inherit them', async () => {
    const fd = tempFile('cloexec');
    fdlab.sendFdsSync(pair[0], [fd]);
    const [received] = fdlab.recvFdsSync(pair[1])!.fds;
    opened.push(received!);
    expect(fdInfo(received!).cloexec).to.equal(true);
    const listing = execFileSync('/bin/ls', ['/proc/self/fd'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const childFds = listing.split(/\s+/).filter(Boolean).map(Number);
    expect(childFds, `the child's fds: ${childFds.join(' ')}`).to.not.include(received);
    expect(childFds).to.include.members([0, 1, 2]);
  });

  it('passes a large stream payload whole, fds with its first byte', async () => {
    const fd = tempFile('big');
    const payload = Buffer.alloc(4 << 20, 7);
    const sending = fdlab.sendFds(pair[0], [fd], payload);
    let total = 0;
    let fdsSeen = 0;
    while (total < payload.length) {
      const got = await fdlab.recvFds(pair[1], { maxBytes: 1 << 20 });
      total += got!.data.length;
      fdsSeen += got!.fds.length;
      opened.push(...got!.fds);
    }
    expect(await sending).to.equal(payload.length);
    expect(total).to.equal(payload.length);
    expect(fdsSeen).to.equal(1);
  });

  for (const type of ['seqpacket', 'dgram'] as SocketType[]) {
    it(`keeps message boundaries on ${type}`, async () => {
      const [a, b] = fdlab.socketpair(type);
      try {
        const fd = tempFile(type);
        await fdlab.sendFds(a, [fd], 'first');
        await fdlab.sendFds(a, [], 'second');
        const first = await fdlab.recvFds(b);
        const second = await fdlab.recvFds(b);
        opened.push(...first!.fds);
        expect(first!.data.toString()).to.equal('first');
        expect(first!.fds).to.have.length(1);
        expect(second).to.deep.equal({ data: Buffer.from('second'), fds: [] });
      } finally {
        fdlab.closeFd(a);
        fdlab.closeFd(b);
      }
    });
  }

  it('mixes the sync and async APIs on one socket', async () => {
    await expectNoFdLeak(async () => {
      const receiving = fdlab.recvFds(pair[1]);
      fdlab.sendFdsSync(pair[0], [pair[0]], 'sync to async');
      const got = await receiving;
      expect(got!.data.toString()).to.equal('sync to async');
      got!.fds.forEach((fd) => fdlab.closeFd(fd));
    });
  });

  describe('with Python as the peer (socket.send_fds / recv_fds)', () => {
    function runPython(script: string, sock: number): Promise<string> {
      const child = spawnWithSocket('python3', ['-c', script], sock, { stdio: 'pipe' });
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => (out += chunk));
      child.stderr!.on('data', (chunk: Buffer) => (out += chunk));
      return new Promise((resolve, reject) =>
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`python3 exited ${code}: ${out}`)))),
      );
    }

    it('Python receives our fd and reads the file through it', async () => {
      const fd = tempFile('for-python', 'read by python');
      const [ours, theirs] = fdlab.socketpair();
      opened.push(ours);
      const python = runPython(
        'import os, socket\n' +
          's = socket.socket(fileno=int(os.environ["FDLAB_SOCK_FD"]))\n' +
          'data, fds, flags, addr = socket.recv_fds(s, 64, 4)\n' +
          'print(data.decode(), len(fds), os.pread(fds[0], 64, 0).decode())\n',
        theirs,
      );
      await fdlab.sendFds(ours, [fd], 'from node');
      expect((await python).trim()).to.equal('from node 1 read by python');
    });

    it('we receive an fd Python sent and read the file through it', async () => {
      const [ours, theirs] = fdlab.socketpair();
      opened.push(ours);
      const path = join(dir, 'from-python');
      const python = runPython(
        'import os, socket\n' +
          's = socket.socket(fileno=int(os.environ["FDLAB_SOCK_FD"]))\n' +
          `fd = os.open(${JSON.stringify(path)}, os.O_RDWR | os.O_CREAT)\n` +
          'os.write(fd, b"written by python")\n' +
          'os.lseek(fd, 0, os.SEEK_SET)\n' +
          'socket.send_fds(s, [b"from python"], [fd])\n',
        theirs,
      );
      const got = await fdlab.recvFds(ours, { timeoutMs: 10_000 });
      await python;
      opened.push(...got!.fds);
      expect(got!.data.toString()).to.equal('from python');
      const buf = Buffer.alloc(64);
      const n = readSync(got!.fds[0]!, buf, 0, 64, null);
      expect(buf.subarray(0, n).toString()).to.equal('written by python');
      expect(fdInfo(got!.fds[0]!).cloexec).to.equal(true);
    });
  });
});
