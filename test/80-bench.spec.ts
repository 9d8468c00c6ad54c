// The benchmarks keep working: `make test` runs each of them once at tiny
// sizes (bench/run.ts --tiny) and checks that what they report is sane:
// every peer echoed every message, every handover delivered the file, the
// JSON has every case. Never a timing threshold: the machines are shared
// and noisy, and the benchmarks print and explain rather than judge.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EDIT_MARK, hasMakeTarget, recoverLeftoverEdit, withTemporaryEdit } from '../bench/learner-loop.ts';
import { runTs, type Run } from './support/processes.ts';

const runner = fileURLToPath(new URL('../bench/run.ts', import.meta.url));
const PEERS = ['c', 'fdlab-sync', 'fdlab-async', 'node-ipc'];

interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  samplesNs: number[];
}

function expectSaneSummary(s: Summary, what: string): void {
  expect(s.n, what).to.be.at.least(1);
  expect(s.samplesNs, what).to.have.length(s.n);
  for (const ns of s.samplesNs) expect(ns, what).to.be.a('number').and.be.greaterThan(0);
  expect(s.min, what).to.be.at.most(s.median);
  expect(s.median, what).to.be.at.most(s.max);
}

describe('the benchmarks (bench/, tiny sizes)', function () {
  this.timeout(120_000);
  let dir: string;
  let run: Run;
  let report: Record<string, any>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fdlab-bench-test-'));
    run = await runTs(runner, ['--tiny', '--json', join(dir, 'results.json')]);
    if (existsSync(join(dir, 'results.json'))) report = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('run to the end and exit 0, printing each case and the goals', () => {
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.include('1. Round trip');
    expect(run.output).to.include('2. Handover');
    expect(run.output).to.include('Goals (issue 7)');
  });

  it('write a JSON report with the machine, every case and the goals', () => {
    expect(report, run.output).to.be.an('object');
    expect(report).to.include.keys('machine', 'roundTrip', 'handover', 'learnerLoop', 'goals');
    expect(report.machine.cpus).to.be.at.least(1);
    expect(report.machine.node).to.equal(process.version);
    expect(report.goals).to.be.an('array').that.is.not.empty;
  });

  it('time a round trip for C, fdlab sync, fdlab async and Node IPC, each echo checked', () => {
    const placements = Object.values(report.roundTrip.placements) as Record<string, any>[];
    expect(placements).to.not.be.empty;
    for (const placement of placements) {
      expect(Object.keys(placement.peers)).to.deep.equal(PEERS);
      for (const peer of PEERS) {
        expectSaneSummary(placement.peers[peer], peer);
        expect(placement.overC[peer], peer).to.be.greaterThan(0);
        expect(placement.fasterThanNodeIpc[peer], peer).to.be.greaterThan(0);
      }
      expect(placement.overC.c).to.equal(1);
    }
  });

  it('hand over files by fd and by copy at each size, each delivery checked', () => {
    const { sizes, verified, fdMaxOverMin } = report.handover;
    expect(verified).to.equal(true);
    expect(sizes.map((r: { size: number }) => r.size)).to.deep.equal([4096, 65536]);
    for (const row of sizes) {
      expectSaneSummary(row.fd, `fd at ${row.size}`);
      expectSaneSummary(row.copy, `copy at ${row.size}`);
    }
    expect(fdMaxOverMin).to.be.at.least(1);
  });

  it('leave the learner loop out (it runs make and clones the repo: `make bench` times it)', () => {
    expect(report.learnerLoop.available).to.equal(false);
  });
});

describe('the learner-loop benchmark (bench/learner-loop.ts)', () => {
  let dir: string;
  let file: string;
  let backup: string;
  const original = Buffer.from('int lab(void) { return 1; }\n\xff\x00 bytes that are not UTF-8\n', 'latin1');
  const longAgo = new Date('2020-01-02T03:04:05Z');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'fdlab-bench-edit-'));
    file = join(dir, 'lab.cc');
    backup = join(dir, 'backup', 'lab.cc.orig');
    writeFileSync(file, original);
    utimesSync(file, longAgo, longAgo);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function expectRestored(): void {
    expect(readFileSync(file).equals(original), 'the bytes').to.equal(true);
    expect(statSync(file).mtime.getTime(), 'the modification time').to.equal(longAgo.getTime());
    expect(existsSync(backup), 'the backup is gone').to.equal(false);
  }

  it('edits the file only while timing, then puts back its bytes and modification time', async () => {
    const during = await withTemporaryEdit(file, async () => readFileSync(file), { backup });
    expect(during.equals(Buffer.concat([original, Buffer.from(EDIT_MARK)]))).to.equal(true);
    expectRestored();
  });

  it('puts the file back when the timed command fails', async () => {
    const failing = withTemporaryEdit(
      file,
      async () => {
        throw new Error('make failed');
      },
      { backup },
    );
    await failing.then(
      () => expect.fail('the failure was swallowed'),
      (error: Error) => expect(error.message).to.equal('make failed'),
    );
    expectRestored();
  });

  it('leaves alone a file someone else changed meanwhile, and says so', async () => {
    const warnings: string[] = [];
    await withTemporaryEdit(file, async () => writeFileSync(file, 'the learner typed this'), {
      backup,
      warn: (message) => warnings.push(message),
    });
    expect(readFileSync(file, 'utf8')).to.equal('the learner typed this');
    expect(warnings.join('\n')).to.include('was changed by someone else meanwhile');
  });

  it('undoes its own edit left by a run that was killed, and nothing else', () => {
    writeFileSync(join(dir, 'other'), '');
    writeFileSync(file, Buffer.concat([original, Buffer.from(EDIT_MARK)]));
    writeFileSync(join(dir, 'backup.orig'), original);
    expect(recoverLeftoverEdit(file, join(dir, 'backup.orig'))).to.equal(true);
    expect(readFileSync(file).equals(original)).to.equal(true);

    writeFileSync(file, 'the learner typed this');
    writeFileSync(join(dir, 'backup.orig'), original);
    expect(recoverLeftoverEdit(file, join(dir, 'backup.orig'))).to.equal(false);
    expect(readFileSync(file, 'utf8')).to.equal('the learner typed this');
  });

  it('reports a missing make target as missing instead of running it', async () => {
    expect(await hasMakeTarget('no-such-target-fdlab-bench')).to.equal(false);
  });
});
