// Lab 05 check: the whole demo (labs/05-demo/demo.ts) on your own pieces.
// Run it with `make lab-5`. Unlike the other checks, this one runs your
// whole stack: it starts `node --import tsx <tree>/05-demo/demo.ts` with
// FDLAB_TREE=<tree>, so the demo uses that tree's lab 2 and the addon built
// from its labs 1, 3 and 4. When one of those is not written yet, it says
// which lab to finish rather than blaming demo.ts.
//
// A small module the check loads into the demo and its child (through
// NODE_OPTIONS) records what the output cannot prove: each process's pid
// and whether it exited on its own (a process killed with SIGKILL runs no
// exit handler), the parent's open fds as it exits, and it makes the child
// linger half a second before exiting, so a parent that does not wait for
// its child is caught rather than saved by luck.
//
// See: wait(2), kill(2), proc(5) (/proc/pid/stat, /proc/pid/fd), unix(7).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { reapAll, track } from '../../kit/check/children.ts';
import { labContext } from '../../kit/check/context.ts';
import { findLab, labFile } from '../../kit/manifest.ts';
import { root } from '../../kit/paths.ts';
import { TS_LOADER } from '../../kit/ts-loader.ts';

const lab = labContext(5);
const demoPath = join(root, lab.file());

/** How long a demo may run: a correct one takes a few seconds at most. */
const RUN_WAIT_MS = 20_000;
/**
 * The demo's receive timeout (FDLAB_DEMO_RECEIVE_TIMEOUT_MS): short where the
 * check makes the child hang on purpose, and otherwise as long as the run may
 * last, so a slow start on a busy machine never trips it.
 */
const HANG_RECEIVE_TIMEOUT_MS = 2000;
/** The hanging run: its receive timeout, then it kills and reaps. */
const HANG_RUN_WAIT_MS = 25_000;
/** How long the child lingers after its work, to catch a parent that does not wait. */
const LINGER_MS = 500;

const PRELOAD = `// Written by labs/05-demo/check.spec.ts: loaded into the demo and its child.
import { appendFileSync, readdirSync, readlinkSync } from 'node:fs';
const role = process.argv[2] === 'child' ? 'child' : 'parent';
const note = (record) => appendFileSync(process.env.FDLAB_CHECK_NOTES, JSON.stringify({ role, pid: process.pid, ...record }) + '\\n');
note({ event: 'started' });
if (role === 'child') {
  let lingered = false;
  process.on('beforeExit', () => {
    if (!lingered) {
      lingered = true;
      setTimeout(() => {}, ${LINGER_MS});
    }
  });
}
process.on('exit', (code) => {
  const fds = {};
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      fds[fd] = readlinkSync('/proc/self/fd/' + fd);
    } catch {}
  }
  note({ event: 'exited', code, fds });
});
`;

type ProcessState = 'running' | 'zombie' | 'gone';

/** 'running', 'zombie' or 'gone', from /proc/<pid>/stat. */
function processState(pid: number): ProcessState {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 'gone';
  }
  // The state letter follows the command name, which is in parentheses.
  const close = stat.lastIndexOf(')');
  return stat.slice(close + 2, close + 3) === 'Z' ? 'zombie' : 'running';
}

/** True when pid is still one of this demo's processes (pids are reused). */
function isDemoProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(demoPath);
  } catch {
    return false;
  }
}

interface Note {
  role: 'parent' | 'child';
  pid: number;
  event: 'started' | 'exited';
  code?: number;
  fds?: Record<string, string>;
}

interface DemoChild {
  pid: number;
  /** Whether the check's module ran in it (it does unless the child's environment was replaced). */
  watched: boolean;
  /** Its exit code if it exited on its own; undefined if it was killed (or never started). */
  exitCode: number | undefined;
  /** What /proc said about it the moment the demo had exited. */
  stateAtExit: ProcessState;
}

interface DemoRun {
  fault: string | undefined;
  /** False when the demo was still running after the wait and had to be killed. */
  finished: boolean;
  waitedMs: number;
  code: number | null;
  output: string;
  children: DemoChild[];
  /** The demo parent's open fds as it exited: fd number to readlink(2) text. */
  parentFds: Map<number, string> | undefined;
  tempDir: string | undefined;
  tempDirLeft: boolean;
}

function readNotes(file: string): Note[] {
  if (!existsSync(file)) return [];
  const notes: Note[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    try {
      notes.push(JSON.parse(line) as Note);
    } catch {
      // empty, or still being written by a process the check is about to kill
    }
  }
  return notes;
}

/** The children the demo started: from the notes, else from its narration. */
function childPids(notes: Note[], output: string): number[] {
  const noted = notes.filter((n) => n.role === 'child' && n.event === 'started').map((n) => n.pid);
  if (noted.length > 0) return noted;
  const said = /spawned child pid (\d+)/.exec(output);
  return said ? [Number(said[1])] : [];
}

async function killOrphans(pids: number[]): Promise<void> {
  const orphans = pids.filter((pid) => processState(pid) === 'running' && isDemoProcess(pid));
  for (const pid of orphans) process.kill(pid, 'SIGKILL');
  // They are no longer children of anyone here, so there is nothing to wait
  // on: watch /proc until each is dead (init reaps it).
  for (let tries = 0; tries < 100 && orphans.some((pid) => processState(pid) === 'running'); tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Runs the tree's demo once and collects every fact the tests look at; leaves nothing behind. */
async function runDemo(fault: string | undefined, waitMs: number): Promise<DemoRun> {
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-check-5-'));
  const notesFile = join(dir, 'notes.jsonl');
  const outputFile = join(dir, 'output.txt');
  const preload = join(dir, 'preload.mjs');
  writeFileSync(preload, PRELOAD);
  let child: ChildProcess | undefined;
  try {
    // The output goes to a file (O_APPEND, shared by the demo and its
    // child), not a pipe: it is complete the moment the demo exits, even if
    // an orphaned child still holds it open.
    const out = openSync(outputFile, 'a');
    try {
      child = spawn(process.execPath, [...TS_LOADER, demoPath], {
        cwd: root,
        stdio: ['ignore', out, out],
        env: {
          ...process.env,
          FDLAB_TREE: lab.tree,
          FDLAB_DEMO_FAULT: fault,
          FDLAB_DEMO_RECEIVE_TIMEOUT_MS: String(fault === 'hang-before-send' ? HANG_RECEIVE_TIMEOUT_MS : waitMs),
          FDLAB_SOCK_FD: undefined,
          FDLAB_CHECK_NOTES: notesFile,
          NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${pathToFileURL(preload).href}`.trim(),
        },
      });
    } finally {
      closeSync(out);
    }
    const tracked = track(child);
    let finished = true;
    let code: number | null = null;
    try {
      code = (await tracked.exit(waitMs)).code;
    } catch {
      finished = false;
    }
    // Facts first, while they are still true; cleaning up comes after.
    const notes = readNotes(notesFile);
    const stateAt = new Map(childPids(notes, readFileSync(outputFile, 'utf8')).map((pid) => [pid, processState(pid)]));
    if (!finished) {
      child.kill('SIGKILL');
      await tracked.exit(RUN_WAIT_MS).catch(() => undefined);
    }
    const output = readFileSync(outputFile, 'utf8');
    const pids = childPids(notes, output);
    const children = pids.map((pid) => ({
      pid,
      watched: notes.some((n) => n.role === 'child' && n.pid === pid),
      exitCode: notes.find((n) => n.role === 'child' && n.pid === pid && n.event === 'exited')?.code,
      stateAtExit: stateAt.get(pid) ?? processState(pid),
    }));
    const parentExit = notes.find((n) => n.role === 'parent' && n.pid === child!.pid && n.event === 'exited');
    const parentFds = parentExit?.fds
      ? new Map(Object.entries(parentExit.fds).map(([fd, link]) => [Number(fd), link]))
      : undefined;
    const tempDir = /made temp dir (\S+)/.exec(output)?.[1];
    const tempDirLeft = tempDir !== undefined && existsSync(tempDir);
    await killOrphans(pids);
    // Never leave the demo's temp dir behind either, but remove only what
    // the demo said it made, directly in the temp folder.
    if (tempDirLeft && dirname(tempDir!) === tmpdir()) rmSync(tempDir!, { recursive: true, force: true });
    return { fault, finished, waitedMs: waitMs, code, output, children, parentFds, tempDir, tempDirLeft };
  } finally {
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await track(child).exit(RUN_WAIT_MS).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The two fds the demo narrated for its socketpair. */
function sockets(run: DemoRun): { ours: number; theirs: number } | undefined {
  const pair = /socketpair: fd (\d+) \(ours\) and fd (\d+)/.exec(run.output);
  return pair ? { ours: Number(pair[1]), theirs: Number(pair[2]) } : undefined;
}

/**
 * The last lines of the demo's output, to show with a failure: paths made
 * relative, and of a stack trace only the frames in the tree under test.
 */
function tail(run: DemoRun): string {
  const lines = run.output
    .replaceAll(`file://${root}`, '')
    .replaceAll(root, '')
    .trimEnd()
    .split('\n')
    // Node's report of an uncaught error pads it with blank lines, a caret
    // and its version: noise here.
    .filter((line) => line.trim() !== '' && !/^\s*\^+$/.test(line) && !/^Node\.js v/.test(line))
    .filter((line) => !/^\s+at /.test(line) || line.includes(`(${lab.tree}/`))
    .slice(-14);
  const shown = run.output.trim() ? lines.join('\n    ') : '(nothing)';
  return `\n  the demo's output${run.output.trim() ? ' (last lines)' : ''}:\n    ${shown}`;
}

/** The demo parent's error line, if it reported one. */
function errorLine(run: DemoRun): string | undefined {
  return /\[parent \d+\] error: (.*)/.exec(run.output)?.[1];
}

const NATIVE_LABS: Record<string, { id: number; name: string }> = {
  socketpair: { id: 1, name: 'socketpair' },
  sendmsg: { id: 3, name: 'sendmsg' },
  recvmsg: { id: 4, name: 'recvmsg' },
};

function fileOfLab(id: number): string {
  const other = findLab(id);
  return labFile(lab.tree, other, other.files[0]!);
}

/**
 * What stopped the demo before the behaviour under test, if anything: a
 * piece of labs 1-4 not written yet (or breaking its contract), or a step
 * of demo.ts still a placeholder. Each names its own file.
 */
function blocker(run: DemoRun): { did: string; expected: string; file: string } | undefined {
  const native = /fdlab_(socketpair|sendmsg|recvmsg) in (\S+) is not written yet/.exec(run.output);
  if (native) {
    const piece = NATIVE_LABS[native[1]!]!;
    return {
      did: `your ${piece.name} (lab ${piece.id}) is not written yet (${native[2]} returns ENOSYS), and the demo runs on it.${tail(run)}`,
      expected: `finish labs 1-4 first: \`make lab-${piece.id}\` passes`,
      file: native[2]!,
    };
  }
  const broken = /fdlab_(socketpair|sendmsg|recvmsg)[^\n]*\((?:in the )?labs(?: tree)?\)/.exec(run.output);
  if (broken) {
    const piece = NATIVE_LABS[broken[1]!]!;
    return {
      did: `your ${piece.name} (lab ${piece.id}) broke its contract: ${broken[0]}${tail(run)}`,
      expected: `\`make lab-${piece.id}\` passes`,
      file: fileOfLab(piece.id),
    };
  }
  // The first placeholder that stopped the demo: another lab's before this
  // one's, and a step that threw (an error line) before the missing cleanup
  // the stub only reports. Node also prints the throwing source line, which
  // holds the message's template (with its \`$\`): not a match.
  const stubs = [...run.output.matchAll(/(error: |Error: )?([^\n:`$[\]]+?) is not written yet: see TODO\(lab (\d+)\) in (\S+)/g)]
    .map((m) => ({ thrown: m[1] !== undefined, step: m[2]!.trim(), id: Number(m[3]), file: m[4]! }))
    .sort((x, y) => Number(x.id === 5) - Number(y.id === 5) || Number(y.thrown) - Number(x.thrown));
  const stub = stubs[0];
  if (stub === undefined) return undefined;
  if (stub.id !== 5) {
    return {
      did: `your ${stub.step} (lab ${stub.id}) is not written yet, and the demo runs on it.${tail(run)}`,
      expected: `finish labs 1-4 first: \`make lab-${stub.id}\` passes`,
      file: stub.file,
    };
  }
  return {
    did: `the demo reached ${stub.step}, which is not written yet.${tail(run)}`,
    expected: `${stub.step} written (its TODO(lab 5) in demo.ts, and "Your task" in labs/05-demo/README.md)`,
    file: stub.file,
  };
  return undefined;
}

/** Fails with the blocker if there is one, else with `did` (and the output). */
function failRun(run: DemoRun, did: string, expected: string): never {
  const cause = blocker(run);
  if (cause) return lab.fail(cause.did, cause.expected, cause.file);
  let note = '';
  if (run.output.includes('ERR_UNKNOWN_FILE_EXTENSION')) {
    note = "\n  (a Node without tsx could not load demo.ts: start the child with [...process.execArgv, self, 'child', tempDir], step 3)";
  } else if (/02-spawn\/(spawn|child)\.ts/.test(run.output)) {
    note = `\n  (the error passed through your lab 2 code, ${lab.tree}/02-spawn/: does \`make lab-2\` pass?)`;
  }
  return lab.fail(`${did}${note}${tail(run)}`, expected);
}

function requireFinished(run: DemoRun, expected: string): void {
  if (run.finished) return;
  const did = `the demo${run.fault ? ` (FDLAB_DEMO_FAULT=${run.fault})` : ''} was still running after ${run.waitedMs / 1000} s, so the check killed it`;
  const error = errorLine(run);
  const running = run.children.find((c) => c.stateAtExit === 'running');
  if (error !== undefined && running !== undefined) {
    failRun(
      run,
      `${did}. It had reported "${error}", but its child (pid ${running.pid}) was still running, and a running child keeps Node's event loop, so the demo, alive.`,
      'in the finally block, a child still running killed (SIGKILL) and its exit awaited (step 9)',
    );
  }
  failRun(run, `${did}.`, expected);
}

function theChild(run: DemoRun): DemoChild {
  const [child] = run.children;
  if (child === undefined) failRun(run, 'the demo never started its child.', 'a child started with spawnWithSocket (step 3)');
  return child!;
}

/** /proc says the child is gone; otherwise fail saying what became of it. */
function requireReaped(run: DemoRun, child: DemoChild, how: string): void {
  if (child.stateAtExit === 'running') {
    failRun(
      run,
      `the demo exited while its child (pid ${child.pid}) was still running: the child was orphaned (the check killed it).`,
      how,
    );
  }
  if (child.stateAtExit === 'zombie') {
    failRun(run, `the demo exited without reaping its child (pid ${child.pid}, a zombie when the demo exited).`, how);
  }
}

function requireTempDirGone(run: DemoRun): void {
  if (run.tempDir === undefined) {
    failRun(run, 'the demo never said "made temp dir <path>".', 'the given say() after step 1 kept, naming the temp dir');
  }
  lab.require(
    !run.tempDirLeft,
    `the temp dir ${run.tempDir} still existed after the demo exited (the check removed it).${tail(run)}`,
    'the temp dir removed on every path, in the finally block (step 9: rmSync with recursive and force)',
  );
}

interface Piece {
  what: string;
  id: number;
  why: string;
}

/** Calls each piece of labs 1-4 once, to see it is written (their checks test them properly). */
async function unfinishedPieces(): Promise<Piece[]> {
  const pieces: Piece[] = [];
  const mine = lab.mine();
  const ref = lab.reference;
  const reason = (error: unknown): string => (error as Error)?.message ?? String(error);

  try {
    const [a, b] = mine.socketpair('stream');
    ref.closeFd(a);
    ref.closeFd(b);
  } catch (error) {
    pieces.push({ what: 'socketpair', id: 1, why: reason(error) });
  }

  const [a, b] = ref.socketpair('stream');
  try {
    try {
      mine.sendFdsSync(a, [], 'x');
    } catch (error) {
      pieces.push({ what: 'sendmsg', id: 3, why: reason(error) });
    }
  } finally {
    ref.closeFd(a);
    ref.closeFd(b);
  }

  const [c, d] = ref.socketpair('stream');
  try {
    ref.sendFdsSync(c, [], 'x');
    try {
      mine.recvFdsSync(d, { timeoutMs: 5000 })?.fds.forEach((fd) => ref.closeFd(fd));
    } catch (error) {
      pieces.push({ what: 'recvmsg', id: 4, why: reason(error) });
    }
  } finally {
    ref.closeFd(c);
    ref.closeFd(d);
  }

  const spawnModule = (await import(pathToFileURL(join(root, lab.tree, '02-spawn', 'spawn.ts')).href)) as typeof import('../../solutions/02-spawn/spawn.ts');
  const childModule = (await import(pathToFileURL(join(root, lab.tree, '02-spawn', 'child.ts')).href)) as typeof import('../../solutions/02-spawn/child.ts');
  const saved = process.env.FDLAB_SOCK_FD;
  delete process.env.FDLAB_SOCK_FD;
  try {
    childModule.inheritedSocket();
  } catch (error) {
    // With FDLAB_SOCK_FD unset a written inheritedSocket throws too, but
    // not the stub's "not written yet".
    if (/TODO\(lab 2\)/.test(reason(error))) pieces.push({ what: 'inheritedSocket', id: 2, why: reason(error) });
  } finally {
    if (saved !== undefined) process.env.FDLAB_SOCK_FD = saved;
  }

  const [ours, theirs] = ref.socketpair('stream');
  const theirsInode = fstatSync(theirs).ino;
  try {
    const probe = "const fs = require('fs'); process.exit(process.env.FDLAB_SOCK_FD === '3' && fs.fstatSync(3).isSocket() ? 0 : 7)";
    const child = spawnModule.spawnWithSocket(process.execPath, ['-e', probe], theirs, { stdio: 'ignore' });
    const exit = await track(child)
      .exit(RUN_WAIT_MS)
      .finally(() => child.kill('SIGKILL'));
    if (exit.code !== 0) {
      pieces.push({ what: 'spawnWithSocket', id: 2, why: 'the child it started did not find a socket at fd 3 named by FDLAB_SOCK_FD=3' });
    }
  } catch (error) {
    pieces.push({ what: 'spawnWithSocket', id: 2, why: reason(error) });
  } finally {
    ref.closeFd(ours);
    // spawnWithSocket closes our copy of `theirs`; the stub does not. Close
    // it only if it is still that very socket (fd numbers are reused).
    let stillOpen = false;
    try {
      stillOpen = fstatSync(theirs).ino === theirsInode;
    } catch {
      // closed, as it should be
    }
    if (stillOpen) ref.closeFd(theirs);
  }
  return pieces.sort((x, y) => x.id - y.id);
}

describe('lab 5: the whole demo (demo.ts)', function () {
  this.timeout(HANG_RUN_WAIT_MS + 15_000);
  const runs = new Map<string, Promise<DemoRun>>();
  /** Each scenario runs once, shared by the tests that look at it. */
  const demo = (fault: string | undefined): Promise<DemoRun> => {
    const key = fault ?? 'none';
    if (!runs.has(key)) runs.set(key, runDemo(fault, fault === 'hang-before-send' ? HANG_RUN_WAIT_MS : RUN_WAIT_MS));
    return runs.get(key)!;
  };

  // The hanging child costs the demo its receive timeout: start it now, so it
  // waits while the other scenarios run.
  before(() => void demo('hang-before-send'));
  // Each run kills and reaps what it started; this is the safety net, after
  // every run (the hanging one included) has settled.
  after(async () => {
    await Promise.allSettled(runs.values());
    await reapAll();
  });

  it('runs on your own pieces: socketpair (lab 1), spawnWithSocket and inheritedSocket (lab 2), sendmsg (lab 3), recvmsg (lab 4)', async () => {
    const missing = await unfinishedPieces();
    if (missing.length > 0) {
      const list = missing.map((p) => `\n    your ${p.what} (lab ${p.id}): ${p.why}`).join('');
      lab.fail(
        `the demo runs on your labs 1-4, and ${missing.length === 1 ? 'this piece does' : 'these pieces do'} not work yet:${list}`,
        `finish labs 1-4 first: \`make lab-${missing[0]!.id}\` passes`,
        fileOfLab(missing[0]!.id),
      );
    }
  });

  it('prints "parent got: hello from child" and exits 0', async () => {
    const run = await demo(undefined);
    requireFinished(run, 'the demo to finish in a few seconds');
    const got = /\[parent \d+\] parent got: (.*)/.exec(run.output);
    if (got === null) {
      failRun(run, `the demo never printed "parent got: ..."${errorLine(run) ? `; it failed with: ${errorLine(run)}` : '.'}`, '"parent got: hello from child"');
    }
    const text = got![1]!.trim();
    if (text === '') {
      failRun(
        run,
        'the parent read nothing through the fd it received ("parent got: " is empty).',
        "the text read from offset 0. The parent's fd shares the child's open file description, offset included: " +
          "the child writes at position 0 (writeSync(fd, text, 0), a pwrite) so the offset stays 0, where the seed seeks back to 0 (step 11)",
      );
    }
    lab.require(text === 'hello from child', `the parent printed "parent got: ${text}".${tail(run)}`, '"parent got: hello from child": the text the child wrote (steps 7 and 11)');
    if (run.code !== 0) failRun(run, `the demo printed "parent got: hello from child" but exited with code ${run.code}.`, 'exit code 0');
  });

  it('waits for its child to exit on its own, and reaps it before exiting', async () => {
    const run = await demo(undefined);
    requireFinished(run, 'the demo to finish in a few seconds');
    const child = theChild(run);
    if (child.watched && child.exitCode === undefined && child.stateAtExit === 'gone') {
      failRun(
        run,
        `the child (pid ${child.pid}) was killed before it could exit on its own (the check's module in it never saw it exit).`,
        "after reading the file, wait for the child's exit (step 8: within(exitOf(child), EXIT_TIMEOUT_MS)); " +
          'the finally block kills only a child still running after that',
      );
    }
    requireReaped(run, child, "wait for the child's exit before the demo ends (step 8), and kill and reap a child still running in the finally block (step 9)");
    if (child.exitCode !== 0) failRun(run, `the child (pid ${child.pid}) exited with code ${child.exitCode}.`, 'the child sends the file, closes its fds and exits 0 (steps 10-13)');
    if (run.code !== 0) failRun(run, `the demo exited with code ${run.code}.`, 'exit code 0');
    lab.require(
      /reaped child pid \d+ \(exit code 0\)/.test(run.output),
      `the demo never said "reaped child pid ${child.pid} (exit code 0)".${tail(run)}`,
      'the given say() after step 8 kept',
    );
  });

  it('closes the fd it received and its end of the socketpair', async () => {
    const run = await demo(undefined);
    requireFinished(run, 'the demo to finish in a few seconds');
    if (run.code !== 0) failRun(run, `the demo exited with code ${run.code}.`, 'the demo to succeed, then to hold none of its fds at exit');
    const fds = run.parentFds;
    if (fds === undefined) return lab.fail(`the check could not see the demo's fds as it exited.${tail(run)}`, 'the demo to exit normally, not be killed');
    if (run.tempDir !== undefined) {
      for (const [fd, link] of fds) {
        lab.require(
          !link.startsWith(`${run.tempDir}/`),
          `when the demo exited, its fd ${fd} still referred to ${link}.${tail(run)}`,
          'the fd received from the child closed once the file is read (step 7: closeFd(fileFd))',
        );
      }
    }
    const pair = sockets(run);
    if (pair) {
      const { ours, theirs } = pair;
      lab.require(
        !fds.get(ours)?.startsWith('socket:'),
        `when the demo exited, its fd ${ours} (our end of the socketpair) was still open: ${fds.get(ours)}.${tail(run)}`,
        'our end closed in the finally block (step 9: closeFd(parentEnd))',
      );
      lab.require(
        !fds.get(theirs)?.startsWith('socket:'),
        `when the demo exited, its fd ${theirs} (the child's end of the socketpair) was still open in the parent.${tail(run)}`,
        "the parent's copy of the child's end closed as soon as the child has its own: spawnWithSocket (lab 2) closes it",
        fileOfLab(2),
      );
    }
  });

  it('removes its temp dir', async () => {
    const run = await demo(undefined);
    requireFinished(run, 'the demo to finish in a few seconds');
    requireTempDirGone(run);
  });

  it('reports a child that dies before sending through end-of-file, with its exit code, not the receive timeout', async () => {
    const run = await demo('exit-before-send');
    requireFinished(run, 'end-of-file as soon as the child exits (recvFds resolves to null), and the demo to end there');
    const error = errorLine(run);
    if (error !== undefined && /sent nothing within/.test(error)) {
      const theirs = sockets(run)?.theirs;
      const kept = theirs !== undefined && run.parentFds?.get(theirs)?.startsWith('socket:') === true;
      lab.fail(
        `the parent waited out its receive timeout ("${error}"): it never saw end-of-file, though the child had exited at once.` +
          (kept ? ` The parent still held the child's end (fd ${theirs}) when it exited.` : '') +
          tail(run),
        "end-of-file, which comes only once every copy of the child's end is closed, the parent's copy included: " +
          'spawnWithSocket (lab 2) closes it, and the demo must not keep or dup childEnd',
        kept ? fileOfLab(2) : lab.file(),
      );
    }
    const otherCode = error === undefined ? undefined : /exited with code (\d+)/.exec(error)?.[1];
    if (otherCode !== undefined && otherCode !== '3') {
      failRun(
        run,
        `the child exited with code ${otherCode} ("${error}"), before it reached the fault hook's exit(3).`,
        'a child that starts, finds its socket (step 10), and exits with code 3 as FDLAB_DEMO_FAULT=exit-before-send says',
      );
    }
    if (error === undefined || !/exited with code 3/.test(error)) {
      failRun(
        run,
        error === undefined ? 'the demo reported no error.' : `the demo's error does not say how the child ended: "${error}".`,
        'error: the child (pid N) exited with code 3 before sending a file (step 5: describeExit of within(exitOf(child), EXIT_TIMEOUT_MS))',
      );
    }
    lab.require(run.code !== 0, `the demo exited with code 0 though it got no file.${tail(run)}`, 'a non-zero exit code (the given catch sets 1)');
    requireReaped(run, theChild(run), "the child's exit awaited (step 5) before the demo ends");
    requireTempDirGone(run);
  });

  it('times out on a child that never sends, then kills and reaps it', async () => {
    const run = await demo('hang-before-send');
    requireFinished(run, 'the demo to give up after its receive timeout (step 4: recvFds with timeoutMs: RECEIVE_TIMEOUT_MS)');
    const error = errorLine(run);
    if (error === undefined || !/sent nothing within/.test(error)) {
      failRun(
        run,
        error === undefined ? 'the demo reported no error.' : `the demo failed with "${error}".`,
        `error: the child (pid N) sent nothing within ${HANG_RECEIVE_TIMEOUT_MS} ms (step 4: recvFds with timeoutMs: RECEIVE_TIMEOUT_MS)`,
      );
    }
    lab.require(run.code !== 0, `the demo exited with code 0 though it got no file.${tail(run)}`, 'a non-zero exit code (the given catch sets 1)');
    const child = theChild(run);
    requireReaped(run, child, 'in the finally block, a child still running killed (SIGKILL) and its exit awaited (step 9: child.kill, then exitOf)');
    lab.require(
      child.exitCode === undefined,
      `the hung child (pid ${child.pid}) exited on its own with code ${child.exitCode}, which it never does.${tail(run)}`,
      'the hung child killed with SIGKILL (step 9)',
    );
    requireTempDirGone(run);
  });
});
