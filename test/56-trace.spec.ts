// `make trace` (kit/commands/trace.ts, kit/strace-timeline.ts): the demo
// under strace, reduced to the calls that move the socket and the file,
// the dup2 that makes the child's fd 3 among them; the learner's demo once
// lab 5 passes, else the finished one with a line saying why.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseTree, straceProblem } from '../kit/commands/trace.ts';
import { hasExited } from '../kit/fd-table.ts';
import { findLab } from '../kit/manifest.ts';
import { root } from '../kit/paths.ts';
import type { CheckResult } from '../kit/state.ts';
import { demoTimeline, renderTimeline, rolesFromTrace } from '../kit/strace-timeline.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

// Trimmed from a real run: two processes, Node's worker threads, and calls
// split by strace into <unfinished ...> / <... resumed> halves.
const sample = [
  '100 1.000000 socketpair(AF_UNIX, SOCK_STREAM|SOCK_CLOEXEC, 0, [19<UNIX-STREAM:[11->12]>, 20<UNIX-STREAM:[12->11]>]) = 0',
  '100 1.000100 clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x1}, 88) = 101',
  '100 1.001000 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x2) = 200',
  '200 1.001500 dup2(20<UNIX-STREAM:[12->11]>, 3<anon_inode:[eventpoll]>) = 3<UNIX-STREAM:[12->11]>',
  '200 1.001600 dup2(41, 5) = -1 EBADF (Bad file descriptor)',
  '200 1.002000 execve("/usr/bin/node", ["node", "demo.ts", "child"], 0x3 /* 3 vars */ <unfinished ...>',
  '100 1.002500 close(20<UNIX-STREAM:[12->11]>) = 0',
  '101 1.002600 close(26<UNIX-STREAM:[99]>) = 0',
  '200 1.003000 <... execve resumed>) = 0',
  '100 1.003500 close(22<UNIX-STREAM:[77]>) = 0',
  '200 1.004000 sendmsg(3<UNIX-STREAM:[12->11]>, {msg_name=NULL, msg_namelen=0, msg_iov=[{iov_base="\\0", iov_len=1}], msg_iovlen=1, msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[19</tmp/fdlab-demo-x/from-child.txt>]}], msg_controllen=24, msg_flags=0}, MSG_NOSIGNAL) = 1',
  '100 1.004100 recvmsg(19<UNIX-STREAM:[11->12]>,  <unfinished ...>',
  '100 1.004200 <... recvmsg resumed>{msg_iov=[{iov_base="\\0", iov_len=65536}], msg_control=[{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[20</tmp/fdlab-demo-x/from-child.txt>]}], msg_flags=MSG_CMSG_CLOEXEC}, MSG_DONTWAIT|MSG_CMSG_CLOEXEC) = 1',
  '200 1.005000 +++ exited with 0 +++',
  '100 1.005100 wait4(200, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 200',
  '100 1.005200 wait4(-1, 0x7ffe, WNOHANG, NULL) = -1 ECHILD (No child processes)',
].join('\n');

describe('make trace', () => {
  describe('the timeline', () => {
    const events = demoTimeline(sample, { parent: 100, child: 200 });
    const calls = events.map((e) => `${e.pid} ${/^[\w+]+/.exec(e.text)![0]}`);

    it('keeps the calls that matter, in order, joining resumed halves', () => {
      expect(calls).to.deep.equal([
        '100 socketpair',
        '100 clone',
        '200 dup2',
        '200 execve',
        '100 close',
        '200 sendmsg',
        '100 recvmsg',
        '200 +++',
        '100 wait4',
      ]);
      expect(events.find((e) => e.text.startsWith('recvmsg'))!.text).to.match(/^recvmsg\(19<.*cmsg_data=\[20</);
    });

    it("leaves out threads, Node's other sockets and failed waits", () => {
      expect(events.some((e) => e.pid === 101)).to.equal(false);
      expect(events.some((e) => e.text.includes('[77]'))).to.equal(false);
      expect(events.some((e) => e.text.includes('ECHILD'))).to.equal(false);
    });

    it('labels each line with the demo\'s names and keeps SCM_RIGHTS readable', () => {
      const text = renderTimeline(events, { parent: 100, child: 200 }, 200);
      expect(text).to.match(/parent 100\s+socketpair/);
      expect(text).to.match(/child 200\s+sendmsg\(3<UNIX-STREAM.*cmsg_type=SCM_RIGHTS, cmsg_data=\[19<\/tmp\/fdlab-demo-x\/from-child.txt>\]/);
      expect(text).to.not.include('msg_namelen');
      expect(text).to.include('reaped: no zombie');
    });

    it("decodes the dup2 between fork and exec: which fd becomes the child's fd 3", () => {
      const dups = events.filter((e) => e.text.startsWith('dup'));
      expect(dups, 'the failed dup2 is left out').to.have.length(1);
      expect(dups[0]!.note).to.equal("dup2(20, 3): fd 20 becomes the child's fd 3, without close-on-exec: it survives the exec");
      const text = renderTimeline(events, { parent: 100, child: 200 }, 200);
      expect(text).to.match(/child 200\s+dup2\(20<UNIX-STREAM:\[12->11\]>, 3<anon_inode:\[eventpoll\]>\) = 3/);
    });

    it('decodes dup3 with O_CLOEXEC, and a dup2 in the parent', () => {
      const trace = [
        '100 1.0 execve("/usr/bin/node", ["node"], 0x1 /* 1 var */) = 0',
        '100 1.1 dup3(7</tmp/a, b.txt>, 12</dev/null<char 1:3>>, O_CLOEXEC) = 12</tmp/a, b.txt>',
        '100 1.2 dup2(9, 4) = 4',
      ].join('\n');
      const notes = demoTimeline(trace, { parent: 100, child: 200 }).map((e) => e.note);
      expect(notes).to.deep.equal([
        "dup3(7, 12): fd 7 becomes the parent's fd 12, close-on-exec (O_CLOEXEC)",
        "dup2(9, 4): fd 9 becomes the parent's fd 4, without close-on-exec: it survives the exec",
      ]);
    });

    it('tells parent and child from the trace itself: the process strace started, and its first fork', () => {
      expect(rolesFromTrace(`100 0.9 execve("/usr/bin/node", ["node"], 0x1 /* 1 var */) = 0\n${sample}`)).to.deep.equal({ parent: 100, child: 200 });
      // A worker thread's fork (tsx's esbuild) is not the demo's child.
      const noChild = ['100 1.0 execve("/usr/bin/node") = 0', '101 1.1 clone(child_stack=NULL, flags=SIGCHLD) = 300', '100 1.2 +++ exited with 1 +++'];
      expect(rolesFromTrace(noChild.join('\n'))).to.deep.equal({ parent: 100, child: undefined });
      expect(rolesFromTrace('')).to.deep.equal({ parent: undefined, child: undefined });
    });
  });

  describe('which demo it traces', () => {
    const result = (kind: 'passed' | 'failed'): CheckResult => ({
      lab: 5,
      tree: 'labs',
      verdict: { kind },
      passed: kind === 'passed' ? 9 : 3,
      failed: kind === 'passed' ? 0 : 6,
      skipped: 0,
      failures: [],
      at: new Date().toISOString(),
    });

    it('the finished one, saying why, until lab 5 passes against labs/', () => {
      for (const last of [undefined, result('failed')]) {
        expect(chooseTree(undefined, last, [])).to.deep.equal({
          tree: 'solutions',
          note: 'your demo does not run yet (lab 5 not passing): tracing the finished one; TREE=labs to trace yours anyway',
        });
      }
    });

    it("the learner's once lab 5 passes, unless a lab it runs on changed since", () => {
      expect(chooseTree('', result('passed'), [])).to.deep.include({ tree: 'labs' });
      const changed = chooseTree(undefined, result('passed'), [findLab(3)]);
      expect(changed).to.deep.include({ tree: 'solutions' });
      expect((changed as { note: string }).note).to.equal(
        "your demo's pass is out of date (lab 3 changed since): tracing the finished one; make lab-5 rechecks it, TREE=labs traces yours anyway",
      );
    });

    it('TREE=labs or TREE=solutions, whatever the results say; any other TREE is an error', () => {
      expect(chooseTree('labs', undefined, [])).to.deep.equal({ tree: 'labs' });
      expect(chooseTree('solutions', result('passed'), [])).to.deep.equal({ tree: 'solutions' });
      expect(chooseTree('lab', undefined, [])).to.deep.equal({
        error: 'TREE=lab is not a tree: TREE=labs traces your demo, TREE=solutions the finished one.',
      });
    });
  });

  describe('on this machine', function () {
    this.timeout(120_000);
    let stateDir: string;

    before(function () {
      if (straceProblem() !== undefined) this.skip(); // reported by `make doctor`; nothing to trace with here
      stateDir = mkdtempSync(join(tmpdir(), 'fdlab-trace-state-'));
    });
    after(() => {
      if (stateDir !== undefined) rmSync(stateDir, { recursive: true, force: true });
    });

    /** `make trace` as the Makefile runs it, with no lab results (a fresh state folder) and TREE as given. */
    function trace(tree?: string): { status: number | null; stdout: string; stderr: string } {
      const env: NodeJS.ProcessEnv = { ...process.env, FDLAB_STATE_DIR: stateDir };
      delete env.TREE;
      if (tree !== undefined) env.TREE = tree;
      return spawnSync(process.execPath, [...TS_LOADER, 'kit/cli.ts', 'trace'], { cwd: root, encoding: 'utf8', env });
    }

    it('with no passing lab 5, traces the finished demo, says why, and shows the dup2, sendmsg and recvmsg, labelled', () => {
      const run = trace();
      expect(run.status, run.stdout + run.stderr).to.equal(0);
      expect(run.stdout.split('\n')[0]).to.equal(
        'make trace: your demo does not run yet (lab 5 not passing): tracing the finished one; TREE=labs to trace yours anyway',
      );
      expect(run.stdout).to.include('The demo (solutions/05-demo/demo.ts), as it narrated itself:');
      expect(run.stdout).to.include('parent got: hello from child');
      expect(run.stdout).to.match(/child \d+\s+dup2\(\d+<UNIX-STREAM:/);
      expect(run.stdout).to.match(/↳ dup2\((\d+), 3\): fd \1 becomes the child's fd 3, without close-on-exec: it survives the exec/);
      expect(run.stdout).to.match(/child \d+\s+sendmsg\(3<UNIX-STREAM:[^\n]*\n?[^\n]*SCM_RIGHTS/);
      expect(run.stdout).to.match(/parent \d+\s+recvmsg\([\s\S]*?SCM_RIGHTS/);
      expect(run.stdout).to.include('reaped: no zombie');
      // The demo's temp dir was made inside the trace's own, and both are gone.
      const tempDir = /made temp dir (\S+)/.exec(run.stdout)![1]!;
      expect(tempDir).to.match(/\/fdlab-trace-[^/]+\/fdlab-demo-/);
      expect(existsSync(join(tempDir, '..')), 'the trace folder is removed').to.equal(false);
    });

    it("TREE=labs on a demo whose step 1 is not written says it stopped before spawning its child, and what to run", function () {
      const demo = 'labs/05-demo/demo.ts';
      // A learner who wrote step 1 has a demo that does something else: what it does is theirs.
      if (!readFileSync(join(root, demo), 'utf8').includes("unwritten('step 1 (the temp dir)'")) this.skip();
      const run = trace('labs');
      expect(run.status, run.stdout + run.stderr).to.equal(1);
      expect(run.stdout).to.include('The demo (labs/05-demo/demo.ts), as it narrated itself:');
      expect(run.stdout + run.stderr).to.include('step 1 (the temp dir) is not written yet: see TODO(lab 5) in labs/05-demo/demo.ts');
      expect(run.stderr).to.include(
        'make trace: labs/05-demo/demo.ts stopped before spawning its child; see its output above. make lab-5 checks it; TREE=solutions traces the finished one.',
      );
      expect(run.stdout).to.not.include('What the kernel saw');
    });

    it('on Ctrl-C, ends strace, the demo and its child, and leaves no temp dir', async () => {
      const env: NodeJS.ProcessEnv = { ...process.env, FDLAB_STATE_DIR: stateDir, TREE: 'solutions' };
      const kit = spawn(process.execPath, [...TS_LOADER, 'kit/cli.ts', 'trace'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const spawned = new Promise<void>((resolve) => {
        kit.stdout.setEncoding('utf8').on('data', (text: string) => {
          output += text;
          if (/spawned child pid \d+/.test(output)) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => kit.once('exit', (code) => resolve(code)));
      await Promise.race([spawned, exited]);
      kit.kill('SIGINT');
      expect(await exited, output).to.equal(130);
      const parent = Number(/\[parent (\d+)\]/.exec(output)![1]);
      const child = Number(/spawned child pid (\d+)/.exec(output)![1]);
      expect(hasExited(parent), `the demo's parent ${parent}`).to.equal(true);
      expect(hasExited(child), `the demo's child ${child}`).to.equal(true);
      const tempDir = /made temp dir (\S+)/.exec(output)![1]!;
      expect(existsSync(join(tempDir, '..')), 'the trace folder, the demo\'s temp dir in it').to.equal(false);
    });

    it('refuses a TREE that is not a tree, before tracing anything', () => {
      const run = trace('lab');
      expect(run.status).to.equal(2);
      expect(run.stderr).to.equal('make trace: TREE=lab is not a tree: TREE=labs traces your demo, TREE=solutions the finished one.\n');
      expect(run.stdout).to.equal('');
    });
  });
});
