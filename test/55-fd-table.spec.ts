// The fd-table view (kit/fd-table.ts): what it reads from /proc matches the
// fds a test opened itself, and what it prints shows them, marked.
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFdTable, renderFdTables, sharedIdentities } from '../kit/fd-table.ts';
import { openFdlab } from '../native/index.ts';

const fdlab = openFdlab('solutions');

describe('the fd-table view', () => {
  let dir: string;
  let file: number;
  let pair: [number, number];
  let copy: number;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdlab-table-'));
    file = openSync(join(dir, 'known.txt'), 'w+');
    writeSync(file, 'hello'); // moves the offset to 5
    pair = fdlab.socketpair();
    fdlab.sendFdsSync(pair[0], [file]);
    copy = fdlab.recvFdsSync(pair[1])!.fds[0]!;
  });
  after(() => {
    [file, copy, ...pair].forEach((fd) => closeSync(fd));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads each fd: what it refers to, access mode, CLOEXEC, offset', () => {
    const table = readFdTable();
    const entry = table.find((e) => e.fd === file)!;
    expect(entry.target).to.equal(join(dir, 'known.txt'));
    expect(entry.access).to.equal('rw');
    expect(entry.cloexec).to.equal(true);
    expect(entry.pos).to.equal(5);
    const socket = table.find((e) => e.fd === pair[0])!;
    expect(socket.target).to.match(/^socket:\[\d+\]$/);
    expect(socket.cloexec).to.equal(true);
    expect(socket.nonblocking).to.equal(false);
  });

  it("reads another process's table: an inherited fd 3 without CLOEXEC, same file, same offset", async () => {
    const child = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', 'ignore', file] });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const inherited = readFdTable(child.pid!).find((e) => e.fd === 3);
      expect(inherited, "the child's fd 3").to.not.equal(undefined);
      expect(inherited!.cloexec, 'dup2 clears CLOEXEC on the copy').to.equal(false);
      expect(inherited!.identity).to.equal(readFdTable().find((e) => e.fd === file)!.identity);
      expect(inherited!.pos).to.equal(5);
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('gives a passed fd the identity (dev:inode) and offset of the original', () => {
    const table = readFdTable();
    const original = table.find((e) => e.fd === file)!;
    const passed = table.find((e) => e.fd === copy)!;
    expect(passed.identity).to.equal(original.identity);
    expect(passed.pos).to.equal(original.pos);
    expect(sharedIdentities([original], [passed])).to.deep.equal(new Set([original.identity]));
  });

  it('prints two tables side by side, marking the highlighted rows', () => {
    const table = readFdTable();
    const identity = table.find((e) => e.fd === file)!.identity;
    const text = renderFdTables(
      [
        { title: 'left', entries: table },
        { title: 'right', entries: table },
      ],
      { highlight: new Set([identity]), hideRuntime: true },
    );
    const lines = text.split('\n');
    expect(lines[0]).to.match(/^left\s+right$/);
    const marked = lines.filter((l) => l.startsWith('▶'));
    // file and its passed copy, in both columns of the same rows
    expect(marked).to.have.length(2);
    for (const line of marked) {
      expect(line).to.include('known.txt');
      expect(line.match(/▶/g)).to.have.length(2);
      expect(line).to.match(/rw CLOEXEC\s+5/);
    }
    expect(text).to.not.match(/\x1b\[/); // plain text unless colour is asked for
    expect(text).to.match(/\+\d+ fds of the Node runtime/);
  });

  it('uses colour only when asked, and stacks tables on a narrow terminal', () => {
    const table = readFdTable();
    const coloured = renderFdTables([{ title: 't', entries: table }], { color: true });
    expect(coloured).to.match(/\x1b\[1mt\x1b\[0m/);
    const narrow = renderFdTables(
      [
        { title: 'first', entries: table },
        { title: 'second', entries: table },
      ],
      { columns: 80 },
    );
    expect(narrow.split('\n')[0]).to.equal('first');
    expect(narrow).to.match(/\n\nsecond\n/);
  });
});
