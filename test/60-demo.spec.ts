// The complete demo (solutions/05-demo): the happy path and both failure
// paths end with the child reaped, no orphan, and the temp dir removed.
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processState, runTs, type Run } from './support/processes.ts';

const demo = fileURLToPath(new URL('../solutions/05-demo/demo.ts', import.meta.url));
/**
 * The demo's receive timeout where a test does not provoke it: longer than
 * the test may run, so a child slow to start on a busy machine never trips it.
 */
const SLOW_START_MS = '60000';

function tempDirOf(run: Run): string {
  const match = /made temp dir (\S+)/.exec(run.output);
  expect(match, run.output).to.not.equal(null);
  return match![1]!;
}

function childPidOf(run: Run): number {
  const match = /spawned child pid (\d+)/.exec(run.output);
  expect(match, run.output).to.not.equal(null);
  return Number(match![1]);
}

function expectNothingLeftBehind(run: Run): void {
  const pid = childPidOf(run);
  expect(processState(pid), `child ${pid} after the demo exited`).to.equal('gone');
  expect(existsSync(tempDirOf(run)), 'the temp dir still exists').to.equal(false);
}

describe('the demo (solutions/05-demo)', () => {
  let stateDir: string;
  beforeEach(() => (stateDir = mkdtempSync(join(tmpdir(), 'fdlab-state-'))));
  afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

  it('prints "parent got: hello from child", reaps the child and exits 0', async () => {
    const run = await runTs(demo, [], { FDLAB_STATE_DIR: stateDir, FDLAB_DEMO_RECEIVE_TIMEOUT_MS: SLOW_START_MS });
    expect(run.code, run.output).to.equal(0);
    expect(run.output).to.include('parent got: hello from child');
    expect(run.output).to.match(/reaped child pid \d+ \(exit code 0\)/);
    expectNothingLeftBehind(run);
  });

  it('narrates each step with pids and fd numbers', async () => {
    const run = await runTs(demo, [], { FDLAB_STATE_DIR: stateDir, FDLAB_DEMO_RECEIVE_TIMEOUT_MS: SLOW_START_MS });
    expect(run.output).to.match(/\[parent \d+\] socketpair: fd \d+ \(ours\) and fd \d+/);
    expect(run.output).to.match(/\[child \d+\] .*fd 3 is my end of the socketpair/);
    expect(run.output).to.match(/\[child \d+\] sendmsg: fd \d+ with one byte over fd 3/);
    expect(run.output).to.match(/\[parent \d+\] recvmsg: 1 byte\(s\) and fd \d+/);
  });

  it('shows both fd tables with the passed file marked in each: same inode, same offset', async () => {
    const run = await runTs(demo, [], { FDLAB_STATE_DIR: stateDir, FDLAB_DEMO_RECEIVE_TIMEOUT_MS: SLOW_START_MS });
    expect(run.code, run.output).to.equal(0);
    const marked = run.output.split('\n').filter((line) => line.includes('▶') && line.includes('from-child.txt'));
    expect(marked, run.output).to.have.length.at.least(1);
    expect(run.output).to.match(/^parent \d+\s+child \d+$/m);
    const same = /▶ the same open file: parent fd (\d+) and child fd (\d+) are inode (\d+) \(dev \d+\) at offset 0 in both/.exec(run.output);
    expect(same, run.output).to.not.equal(null);
  });

  it("writes the run's sequence diagram, with its real pids and fds, under the state folder", async () => {
    const run = await runTs(demo, [], { FDLAB_STATE_DIR: stateDir, FDLAB_DEMO_RECEIVE_TIMEOUT_MS: SLOW_START_MS });
    const path = join(stateDir, 'demo-run.md');
    expect(run.output).to.include(`the sequence diagram of this run: ${path}`);
    const diagram = readFileSync(path, 'utf8');
    expect(diagram).to.include('```mermaid\nsequenceDiagram');
    expect(diagram).to.include(`participant C as child ${childPidOf(run)}`);
    const fd = /recvmsg: 1 byte\(s\) and fd (\d+)/.exec(run.output)![1];
    expect(diagram).to.include(`SCM_RIGHTS [${fd}]`);
  });

  it('reports a child that dies before sending through end-of-file, not the timeout', async () => {
    const run = await runTs(demo, [], { FDLAB_DEMO_FAULT: 'exit-before-send', FDLAB_STATE_DIR: stateDir, FDLAB_DEMO_RECEIVE_TIMEOUT_MS: SLOW_START_MS });
    expect(run.code, run.output).to.equal(1);
    expect(run.output).to.match(/error: the child \(pid \d+\) exited with code 3 before sending a file/);
    expect(run.output).to.not.include('sent nothing within');
    expectNothingLeftBehind(run);
  });

  it('times out on a child that never sends, then kills and reaps it', async () => {
    const run = await runTs(demo, [], { FDLAB_DEMO_FAULT: 'hang-before-send', FDLAB_STATE_DIR: stateDir, FDLAB_DEMO_RECEIVE_TIMEOUT_MS: '1500' });
    expect(run.code, run.output).to.equal(1);
    expect(run.output).to.match(/error: the child \(pid \d+\) sent nothing within 1500 ms/);
    expect(run.output).to.match(/killed and reaped child pid \d+ \(was killed by SIGKILL\)/);
    expectNothingLeftBehind(run);
  });
});
