// make watch (kit/commands/watch.ts): it reruns the lab's check after a
// save, seen through file events or, where those do not arrive, through
// polling; and it moves on when the lab being worked on passes. Each test
// runs the watcher as a learner would, in a built copy of the project, and
// stops it (and any check it started) at the end. Waits are bounded; nothing
// here measures time.
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findLab, labFile } from '../kit/manifest.ts';
import type { ProjectCopy } from './support/project-copy.ts';
import { cleanEnv, learnerCopy } from './fixtures/learner-copy.ts';
import { TS_LOADER } from '../kit/ts-loader.ts';

const lab1 = findLab(1);
const lab1File = labFile('labs', lab1, lab1.files[0]!);
/** The closing line of every check run (kit/check-reporter.cjs). */
const SUMMARY = /^\d+ passed, \d+ failed/gm;
const WAIT_MS = 150_000;

/** `kit/cli.ts watch` in its own process group, so the test can stop it and every check it started. */
class Watcher {
  readonly child: ChildProcess;
  output = '';
  /** Resolves when the watcher process has exited. */
  readonly exited: Promise<void>;

  constructor(cwd: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [...TS_LOADER, 'kit/cli.ts', 'watch', ...args], {
      cwd,
      env: cleanEnv({ NO_COLOR: '1', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk));
    this.exited = new Promise((resolve) => this.child.on('exit', () => resolve()));
  }

  /** Resolves once `test` holds for the output so far; fails, with the output, after WAIT_MS. */
  until(what: string, test: (output: string) => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!test(this.output)) return;
        clearTimeout(timer);
        this.child.stdout!.off('data', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.child.stdout!.off('data', check);
        reject(new Error(`watch never showed ${what}. Its output:\n${this.output}`));
      }, WAIT_MS);
      this.child.stdout!.on('data', check);
      check();
    });
  }

  untilSummaries(count: number): Promise<void> {
    return this.until(`${count} check summaries`, (output) => (output.match(SUMMARY) ?? []).length >= count);
  }

  /** True while any process of the watcher's group (a check it started) is alive. */
  groupAlive(): boolean {
    try {
      process.kill(-this.child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  }

  /** Waits (a bounded while) for every process of the group to be gone. */
  async groupGone(): Promise<boolean> {
    for (let i = 0; i < 200 && this.groupAlive(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    return !this.groupAlive();
  }

  /** SIGTERM to the whole group, then waits until none of it is left. */
  async stop(): Promise<void> {
    if (this.groupAlive()) process.kill(-this.child.pid!, 'SIGTERM');
    await this.exited;
    if (!(await this.groupGone())) process.kill(-this.child.pid!, 'SIGKILL');
  }
}

describe('make watch (in a copy of the project)', function () {
  this.timeout(WAIT_MS * 2 + 60_000);
  let copy: ProjectCopy;
  let stub: Buffer;
  let watcher: Watcher | undefined;

  before(() => {
    copy = learnerCopy({ git: false });
    stub = readFileSync(join(copy.dir, lab1File));
  });
  after(() => copy?.remove());
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
    writeFileSync(join(copy.dir, lab1File), stub);
  });

  async function rerunsAfterASave(env: NodeJS.ProcessEnv): Promise<Watcher> {
    watcher = new Watcher(copy.dir, ['1'], env);
    await watcher.untilSummaries(1);
    // The footer follows the check's summary once the check has exited.
    await watcher.until('the footer', (output) => output.includes(`watching ${lab1File}`));
    expect(watcher.output).to.include('fdlab watch: lab 1');
    appendFileSync(join(copy.dir, lab1File), '// saved from the editor\n');
    await watcher.untilSummaries(2);
    expect(watcher.output).to.include('(run 2,');
    return watcher;
  }

  it('reruns the check after the lab\'s file is saved, seen through file events', async () => {
    // Polling once an hour: only a file event can cause the second run.
    const run = await rerunsAfterASave({ FDLAB_WATCH_INTERVAL_MS: '3600000' });
    expect(run.output).to.include('file events');
  });

  it('reruns the check after a save with polling alone (FDLAB_WATCH_POLL=1), where events do not arrive', async () => {
    const run = await rerunsAfterASave({ FDLAB_WATCH_POLL: '1', FDLAB_WATCH_INTERVAL_MS: '200' });
    expect(run.output).to.include('polling every 0.2 s');
  });

  it('tells the learner how to run the check by hand if saving does not rerun it', async () => {
    watcher = new Watcher(copy.dir, ['1'], {});
    await watcher.untilSummaries(1);
    await watcher.until('the footer', (output) => output.includes('run the check by hand: make lab-1'));
  });

  it('moves on to the next lab when the lab being worked on passes', async () => {
    copyFileSync(join(copy.dir, 'solutions', lab1.folder, lab1.files[0]!), join(copy.dir, lab1File));
    watcher = new Watcher(copy.dir, [], {});
    await watcher.until('lab 1 passing and the move to lab 2', (output) => output.includes('lab 1 passes. On to lab 2'));
    expect(watcher.output).to.include('fdlab watch: lab 1');
  });

  it('stops on SIGTERM once the running check has finished, leaving no process behind', async () => {
    watcher = new Watcher(copy.dir, ['1'], {});
    await watcher.until('a check starting', (output) => output.includes('fdlab watch: lab 1'));
    process.kill(watcher.child.pid!, 'SIGTERM');
    await watcher.exited;
    expect(watcher.child.exitCode, watcher.output).to.equal(0);
    expect(watcher.output.match(SUMMARY), 'the check ran to its verdict').to.have.length(1);
    expect(await watcher.groupGone(), 'no check is left running').to.equal(true);
  });
});
