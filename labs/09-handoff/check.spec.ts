// Lab 09 check: handOff and takeOver (labs/09-handoff/handoff.ts). Run it
// with `make lab-9`.
//
// takeOver is tried in this process first: the check plays the old server
// (a listening socket sent with the reference sendFds) and sees whether your
// takeOver accepts on that very socket and says "ready". Then the whole
// restart runs for real: the old server (main.ts) starts under a small
// Python reaper, clients keep connecting on 127.0.0.1 while the check sends
// SIGUSR2, and the check counts refused, reset and unanswered connections
// (there must be none), sees answers from both pids, holds one connection
// open across the handoff to see the old server finish it, and reads the
// old server's fd table (/proc/<pid>/fd) to see it let go of the listening
// socket. The reaper is a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER):
// the successor outlives its parent, so it is the reaper, not init, that
// collects it, and the check sees every exit status. No timing threshold:
// every wait below only bounds how long a broken lab may hang.
//
// See: unix(7), listen(2), accept(2), tcp(7), prctl(2), wait(2), proc(5).
import { spawn } from 'node:child_process';
import { fstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { reapAll, track, type Tracked } from '../../kit/check/children.ts';
import { labContext, type LabContext } from '../../kit/check/context.ts';
import { openFdCount } from '../../kit/check/fds.ts';
import { root } from '../../kit/paths.ts';
import { TS_LOADER } from '../../kit/ts-loader.ts';

type HandoffModule = typeof import('../../solutions/09-handoff/handoff.ts');
type ServerModule = typeof import('../../solutions/09-handoff/server.ts');

// Typed, so TypeScript knows lab.fail never returns.
const lab: LabContext = labContext(9);
const handoffFile = lab.file('handoff.ts');

/** How long a step may take; only a broken lab ever waits this long. */
const WAIT_MS = 15_000;
/** Clients that connect over and over, in parallel, during a handoff. */
const WORKERS = 3;
/** Answers each generation must give in a run (a count, not a time). */
const ANSWERS = 20;
/** A bound on the whole client loop, whatever happens. */
const MAX_REQUESTS = 20_000;

// The old server's parent: a child subreaper, so the successor, orphaned
// when the old server exits, is reparented here and reaped here. Reports
// every reaped child on fd 3. On SIGTERM it kills every process below it
// (parents first, so none can start another) and reaps them. It stays in
// the check's process group, so whoever kills that group kills them all.
const REAPER = `
import ctypes, os, signal, subprocess, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit('prctl(PR_SET_CHILD_SUBREAPER) failed')
report = os.fdopen(3, 'w', buffering=1)
stopping = False
def children(pid):
    try:
        with open('/proc/%d/task/%d/children' % (pid, pid)) as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []
def sweep():
    todo = children(os.getpid())
    while todo:
        pid = todo.pop(0)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        todo += children(pid)
def stop(signum, frame):
    global stopping
    stopping = True
    sweep()
signal.signal(signal.SIGTERM, stop)
server = subprocess.Popen(sys.argv[1:])
report.write('started %d\\n' % server.pid)
while True:
    try:
        pid, status = os.wait()
    except ChildProcessError:
        break
    if os.WIFEXITED(status):
        report.write('reaped %d exit %d\\n' % (pid, os.WEXITSTATUS(status)))
    elif os.WIFSIGNALED(status):
        report.write('reaped %d signal %d\\n' % (pid, os.WTERMSIG(status)))
    if stopping:
        sweep()
`;

// Loaded into the old server and its successor: as each exits, it lists
// the sockets it still has open (beyond stdio), to catch a forgotten end.
const PRELOAD = `
import { readdirSync, readFileSync, readlinkSync, writeSync } from 'node:fs';
const kindOf = (inode) => {
  const listed = (file) => readFileSync(file, 'utf8').split('\\n').some((l) => l.trim().split(/\\s+/).includes(inode));
  if (listed('/proc/net/unix')) return 'a Unix socket';
  return listed('/proc/net/tcp') ? 'a TCP socket' : 'a socket';
};
process.on('exit', (code) => {
  const sockets = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    if (Number(fd) < 3) continue;
    try {
      const link = readlinkSync('/proc/self/fd/' + fd);
      if (link.startsWith('socket:')) sockets.push('fd ' + fd + ' (' + kindOf(link.slice(8, -1)) + ', ' + link + ')');
    } catch {}
  }
  writeSync(2, 'FDLAB-EXIT ' + JSON.stringify({ pid: process.pid, code, sockets }) + '\\n');
});
`;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function lastLines(text: string): string {
  const lines = text
    .trim()
    .split('\n')
    .filter((l) => !l.startsWith('FDLAB-EXIT'))
    .slice(-12);
  return lines.length === 0 ? '(nothing)' : lines.join('\n    ');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The promise's value, or undefined if it has not settled within `ms` (the timer is cleared either way). */
async function within<T>(promise: Promise<T>, ms = WAIT_MS): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Polls `probe` until it returns something, or gives up after `ms` (undefined). */
async function waitFor<T>(probe: () => T | undefined, ms = WAIT_MS): Promise<T | undefined> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (performance.now() >= deadline) return undefined;
    await sleep(10);
  }
}

/** The fd links of a process, from /proc/<pid>/fd (empty once it is gone). */
function fdLinks(pid: number): string[] {
  const links: string[] = [];
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return links;
  }
  for (const fd of fds) {
    try {
      links.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed while we looked
    }
  }
  return links;
}

/** The pids of a process's children, from /proc/<pid>/task/<pid>/children. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The inode of the socket listening on 127.0.0.1:port, from /proc/net/tcp. */
function listenerInode(port: number): string | undefined {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '0A') return f[9];
  }
  return undefined;
}

// ---------------------------------------------------------------- clients

type Outcome =
  | { kind: 'answered'; pid: number }
  | { kind: 'refused' | 'reset' | 'lost'; detail: string };

/** One request: connect, read the greeting, send a line, read the answer. */
function request(port: number, id: string, hold?: Promise<void>): { outcome: Promise<Outcome>; greeted: Promise<number | undefined> } {
  const socket = net.connect({ host: '127.0.0.1', port });
  let text = '';
  let greet: (pid: number | undefined) => void = () => {};
  const greeted = new Promise<number | undefined>((resolve) => (greet = resolve));
  const outcome = new Promise<Outcome>((resolve) => {
    let error: (Error & { code?: string }) | undefined;
    socket.setEncoding('utf8');
    socket.setTimeout(WAIT_MS, () => socket.destroy(new Error(`no answer within ${WAIT_MS} ms`)));
    socket.on('data', (chunk: string) => {
      const hadGreeting = text.includes('\n');
      text += chunk;
      if (!hadGreeting && text.includes('\n')) {
        const match = /^hello (\d+)\n/.exec(text);
        greet(match ? Number(match[1]) : undefined);
        void (hold ?? Promise.resolve()).then(() => socket.write(`${id}\n`));
      }
    });
    socket.on('error', (e) => (error = e));
    socket.on('close', () => {
      greet(undefined);
      if (error?.code === 'ECONNREFUSED') return resolve({ kind: 'refused', detail: 'ECONNREFUSED' });
      if (error?.code === 'ECONNRESET' || error?.code === 'EPIPE') return resolve({ kind: 'reset', detail: error.code });
      const answer = new RegExp(`\\n${id} (\\d+)\\n$`).exec(text);
      if (answer) return resolve({ kind: 'answered', pid: Number(answer[1]) });
      resolve({ kind: 'lost', detail: error ? error.message : `the connection closed after ${JSON.stringify(text)}` });
    });
  });
  return { outcome, greeted };
}

/** Clients that keep connecting until told to stop (or MAX_REQUESTS). */
class Load {
  readonly outcomes: Outcome[] = [];
  private stopped = false;
  private next = 0;
  private readonly workers: Promise<void>[] = [];

  constructor(private readonly port: number) {
    for (let i = 0; i < WORKERS; i++) this.workers.push(this.work());
  }

  private async work(): Promise<void> {
    while (!this.stopped && this.next < MAX_REQUESTS) {
      this.outcomes.push(await request(this.port, `req-${this.next++}`).outcome);
      // A breath between requests, so the servers get the CPU too.
      await sleep(2);
    }
  }

  answeredBy(pid: number, from = 0): number {
    return this.outcomes.slice(from).filter((o) => o.kind === 'answered' && o.pid === pid).length;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.workers);
  }
}

function requireNoFailures(load: Load, when: string): void {
  const bad = load.outcomes.filter((o) => o.kind !== 'answered') as { kind: string; detail: string }[];
  if (bad.length === 0) return;
  const count = (kind: string): number => bad.filter((o) => o.kind === kind).length;
  lab.fail(
    `${when}, ${bad.length} of ${load.outcomes.length} connections failed: ${count('refused')} refused, ` +
      `${count('reset')} reset, ${count('lost')} without an answer (first: ${bad[0]!.kind}, ${bad[0]!.detail}).`,
    'not one: the listening socket stays open in the old server until the successor holds it and has said "ready" ' +
      '(no close-then-rebind), and server.close() lets the connections in flight finish',
    handoffFile,
  );
}

// ---------------------------------------------------------------- servers

interface Server {
  tracked: Tracked;
  output(): string;
  /** Exit statuses the reaper saw, by pid: "exit 0", "signal 15". */
  reaped: Map<number, string>;
  /** What each process still had open as it exited (the preload's report). */
  exitReport(pid: number): { code: number; sockets: string[] } | undefined;
  closed: Promise<void>;
}

function startServer(extraEnv: NodeJS.ProcessEnv = {}): Server {
  const main = join(root, lab.tree, '09-handoff', 'main.ts');
  const preload = `--import=data:text/javascript,${encodeURIComponent(PRELOAD)}`;
  const child = spawn('python3', ['-c', REAPER, process.execPath, ...TS_LOADER, main], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      // handoff.ts is TypeScript only: the reference addon does the sending.
      FDLAB_TREE: 'solutions',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} ${preload}`.trim(),
      ...extraEnv,
    },
  });
  const tracked = track(child);
  const reaped = new Map<number, string>();
  let reports = '';
  child.stdio[3]!.on('data', (chunk: Buffer) => {
    reports += chunk.toString();
    for (const m of reports.matchAll(/^reaped (\d+) (.+)$/gm)) reaped.set(Number(m[1]), m[2]!);
  });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return {
    tracked,
    output: tracked.output,
    reaped,
    exitReport(pid) {
      for (const m of tracked.output().matchAll(/^FDLAB-EXIT (.*)$/gm)) {
        const report = JSON.parse(m[1]!) as { pid: number; code: number; sockets: string[] };
        if (report.pid === pid) return report;
      }
      return undefined;
    },
    closed,
  };
}

/** Stops the reaper (it kills and reaps the servers), then reaps it. */
async function stopServer(server: Server): Promise<void> {
  const child = server.tracked.child;
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  try {
    await server.tracked.exit(WAIT_MS);
  } catch {
    child.kill('SIGKILL');
  }
  await server.closed;
}

async function listening(server: Server): Promise<{ oldPid: number; port: number }> {
  const found = await waitFor(() => /^\[old (\d+)\] listening on 127\.0\.0\.1:(\d+)/m.exec(server.output()) ?? undefined);
  if (found === undefined) {
    lab.fail(
      `the old server (main.ts) never said it was listening. Its last output:\n    ${lastLines(server.output())}`,
      `${handoffFile} to load (main.ts imports it)`,
    );
  }
  return { oldPid: Number(found[1]), port: Number(found[2]) };
}

/** Starts the clients and waits until the old server has answered some of them. */
async function loadOn(server: Server, port: number, oldPid: number): Promise<Load> {
  const load = new Load(port);
  if ((await waitFor(() => (load.answeredBy(oldPid) >= ANSWERS ? true : undefined))) === undefined) {
    await load.stop();
    requireNoFailures(load, 'before any handoff');
    lab.fail(`the old server answered only ${load.answeredBy(oldPid)} requests. Its last output:\n    ${lastLines(server.output())}`, 'main.ts to serve');
  }
  return load;
}

/**
 * Closes any server in this process still listening on socket `ino`: a
 * takeOver that hangs or throws after listen() leaves one the check has no
 * reference to, and it would keep the check process alive forever. Node
 * lists live handles only through the undocumented _getActiveHandles().
 */
function closeStrayServers(ino: number): void {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  for (const handle of handles) {
    if (!(handle instanceof net.Server) || !handle.listening) continue;
    const fd = (handle as unknown as { _handle?: { fd?: number } | null })._handle?.fd;
    if (fd !== undefined && fd >= 0 && fstatSync(fd).ino === ino) handle.close();
  }
}

function failIfNotWritten(text: string): void {
  const match = /(\w+) is not written yet/.exec(text);
  if (match) lab.fail(`${match[1]} is not written yet (it throws "${match[0]}...").`, `the TODO(lab 9) in ${handoffFile} done`);
}

// ---------------------------------------------------------------- the checks

describe('lab 9: handoff (handoff.ts)', () => {
  let fdsBefore = 0;
  // Loading TypeScript the first time may start tsx's esbuild service,
  // whose pipes are open fds: load every module before counting any.
  before(async () => {
    await import(`../../${lab.tree}/09-handoff/handoff.ts`).catch(() => undefined);
    await import('../../solutions/09-handoff/server.ts');
  });
  beforeEach(() => {
    fdsBefore = openFdCount();
  });
  afterEach(async () => {
    await reapAll();
  });

  async function load<T>(name: string): Promise<T> {
    try {
      return (await import(`../../${lab.tree}/09-handoff/${name}`)) as T;
    } catch (error) {
      return lab.fail(`${lab.file(name)} does not load: ${messageOf(error)}`, 'a file that Node can import', lab.file(name));
    }
  }

  function requireNoFdLeak(what: string): void {
    const left = openFdCount() - fdsBefore;
    lab.require(left <= 0, `${what} left ${left} fd(s) open in the check process.`, 'every fd closed on every path (the socketpair end you were given, the received socket if listening fails)');
  }

  it('takeOver accepts on the very socket it was sent, then says "ready" and closes its end', async function () {
    this.timeout(3 * WAIT_MS);
    const { takeOver } = await load<HandoffModule>('handoff.ts');
    const { listeningFd, serveOne } = await import('../../solutions/09-handoff/server.ts') as ServerModule;
    const ref = lab.reference;
    // The check plays the old server.
    const old = net.createServer(serveOne);
    await new Promise<void>((resolve) => old.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const { port } = old.address() as net.AddressInfo;
    const listenerIno = fstatSync(listeningFd(old)).ino;
    const [ours, theirs] = ref.socketpair('stream');
    let taken: net.Server | undefined;
    try {
      await ref.sendFds(ours, [listeningFd(old)], 'listener');
      const taking = takeOver(theirs, serveOne).then(
        (server) => ({ server }),
        (error: unknown) => ({ error: messageOf(error) }),
      );
      const waiting = ref.recvFds(ours, { timeoutMs: WAIT_MS }).catch((e: unknown) => messageOf(e));
      // Whichever comes first: a takeOver that throws fails at once.
      const first = await Promise.race([taking, waiting.then(() => undefined)]);
      if (first !== undefined && 'error' in first) {
        failIfNotWritten(first.error);
        lab.fail(`takeOver threw: ${first.error}`, 'it to take the socket, listen on it and resolve with the server');
      }
      const word = await waiting;
      lab.require(typeof word !== 'string', `the check waited on the socketpair for "ready" and got: ${String(word)}`, 'takeOver to send "ready" once it is listening');
      const result = await within(taking);
      if (result !== undefined && 'error' in result) {
        lab.fail(`takeOver said "ready", then threw: ${result.error}`, 'it to resolve with the server once it has said "ready"');
      }
      lab.require(word !== null, 'takeOver closed the socketpair without saying "ready".', 'sendFds(sock, [], READY) once the server is listening');
      const said = word === null || typeof word === 'string' ? '' : word.data.toString();
      if (typeof word !== 'string') word?.fds.forEach(ref.closeFd);
      lab.require(said === 'ready', `takeOver said ${JSON.stringify(said)}.`, 'the word READY ("ready")');
      lab.require(result !== undefined, `takeOver said "ready" but had not resolved ${WAIT_MS} ms later.`, 'it to resolve with the server');
      taken = result!.server;
      lab.require(taken instanceof net.Server && taken.listening, 'takeOver resolved with something that is not a listening net.Server.', 'the server that listen({ fd }) started');
      const takenIno = fstatSync(listeningFd(taken)).ino;
      lab.require(
        takenIno === listenerIno,
        `takeOver's server listens on socket inode ${takenIno}, not on the socket it was sent (inode ${listenerIno}): it made a new one.`,
        'server.listen({ fd }) with the fd that arrived: the same socket, no bind(2)',
      );
      // The old server stops; only the taken one can answer now.
      await new Promise<void>((resolve) => old.close(() => resolve()));
      const answer = await request(port, 'after-close').outcome;
      lab.require(answer.kind === 'answered', `with the old server closed, a request to port ${port} got: ${answer.kind === 'answered' ? '' : `${answer.kind} (${answer.detail})`}.`, "takeOver's server to accept on the socket it was sent");
      const eof = await ref.recvFds(ours, { timeoutMs: WAIT_MS }).catch((e: unknown) => messageOf(e));
      lab.require(eof === null, `after "ready", the socketpair ${typeof eof === 'string' ? `stayed open (${eof})` : 'carried more data'}.`, 'takeOver to close sock after sending "ready", so the old server sees end-of-file');
    } finally {
      if (old.listening) old.close();
      if (taken?.listening) await new Promise<void>((resolve) => taken!.close(() => resolve()));
      ref.closeFd(ours);
      closeStrayServers(listenerIno);
    }
    requireNoFdLeak('takeOver');
  });

  it('takeOver fails, and closes its end, when the old server sends nothing', async () => {
    const { takeOver } = await load<HandoffModule>('handoff.ts');
    const { serveOne } = await import('../../solutions/09-handoff/server.ts') as ServerModule;
    const ref = lab.reference;
    const [ours, theirs] = ref.socketpair('stream');
    ref.closeFd(ours);
    const result = await within(
      takeOver(theirs, serveOne).then(
        (server) => ({ server }),
        (error: unknown) => ({ error: messageOf(error) }),
      ),
    );
    lab.require(result !== undefined, `with the old server's end closed, takeOver was still waiting after ${WAIT_MS} ms.`, 'recvFds resolves null at end-of-file: throw then');
    if ('server' in result!) {
      result.server.close();
      lab.fail('with the old server gone before sending anything, takeOver resolved with a server.', 'it to throw: recvFds gave null (end-of-file), so there is no socket to serve');
    }
    failIfNotWritten(result!.error);
    requireNoFdLeak('takeOver, failing,');
  });

  it('hands off with no connection refused or lost: old and new pid both answer, the old one drains and exits 0', async function () {
    this.timeout(6 * WAIT_MS);
    const server = startServer();
    let held: ReturnType<typeof request> | undefined;
    let release: () => void = () => {};
    let clients: Load | undefined;
    try {
      const { oldPid, port } = await listening(server);
      const inode = listenerInode(port);
      lab.require(inode !== undefined, `nothing listens on 127.0.0.1:${port} in /proc/net/tcp.`, 'the old server listening');
      const socketLink = `socket:[${inode}]`;
      // One connection the old server accepts now and answers only after the
      // handoff: the connection in flight that it must finish.
      held = request(port, 'held', new Promise<void>((resolve) => (release = resolve)));
      const heldBy = await held.greeted;
      lab.require(heldBy === oldPid, `the held connection was greeted by pid ${heldBy}, not the old server ${oldPid}.`, 'main.ts to serve');
      clients = await loadOn(server, port, oldPid);

      // What the old server had open before the handoff is not handOff's
      // (tsx may have started esbuild, whose pipes are sockets).
      const openBefore = new Set(fdLinks(oldPid));
      process.kill(oldPid, 'SIGUSR2');
      const step = await waitFor(() => {
        const failed = /handoff failed: (.*)/.exec(server.output());
        if (failed) return { failed: failed[1]! };
        if (server.reaped.has(oldPid)) return { exited: server.reaped.get(oldPid)! };
        if (!fdLinks(oldPid).includes(socketLink)) return { closed: true };
        return undefined;
      });
      if (step === undefined) {
        lab.fail(
          `${WAIT_MS} ms after SIGUSR2, the old server still holds the listening socket and handOff has not failed. Output:\n    ${lastLines(server.output())}`,
          'handOff to send the socket, get "ready" and call server.close() (is it waiting for a "ready" that never comes?)',
        );
      }
      if ('failed' in step) {
        failIfNotWritten(step.failed ?? '');
        lab.fail(`handOff failed: ${step.failed}. Output:\n    ${lastLines(server.output())}`, 'the handoff to succeed with a healthy successor');
      }
      if ('exited' in step) {
        lab.fail(`the old server (pid ${oldPid}) exited (${step.exited}) while a connection it had accepted was still waiting for its answer.`, 'server.close(callback): stop accepting, then let the connections in flight finish before exiting');
      }
      // At this very moment the successor (the old server's child) must hold it.
      const started = [...server.output().matchAll(/^\[successor (\d+)\] started/gm)].map((m) => Number(m[1]));
      const holders = [...new Set([...childrenOf(oldPid), ...started])].filter((pid) => fdLinks(pid).includes(socketLink));
      const refused = clients.outcomes.filter((o) => o.kind === 'refused').length;
      lab.require(
        holders.length > 0,
        `the old server closed its listening socket (${socketLink}) while no successor held it` +
          (refused > 0 ? `: ${refused} connection(s) refused so far.` : '.'),
        'server.close() only after the successor has said "ready", so the socket is open in at least one process at every moment',
      );
      const successorPid = holders[0]!;

      // The old server has stopped accepting; the held connection is still its to finish.
      lab.require(!server.reaped.has(oldPid), `the old server (pid ${oldPid}) exited before finishing a connection in flight.`, 'server.close(callback) waits for the connections in flight');
      release();
      const heldAnswer = await held.outcome;
      lab.require(
        heldAnswer.kind === 'answered' && heldAnswer.pid === oldPid,
        `a connection the old server accepted before the handoff ${heldAnswer.kind === 'answered' ? `was answered by pid ${heldAnswer.pid}` : `got ${heldAnswer.kind} (${heldAnswer.detail})`}.`,
        `an answer from the old server (pid ${oldPid}): it drains what it accepted`,
      );
      const oldExit = await waitFor(() => server.reaped.get(oldPid));
      lab.require(
        oldExit !== undefined,
        `the old server (pid ${oldPid}) did not exit after its last connection. Output:\n    ${lastLines(server.output())}`,
        'nothing left to keep it alive: server closed, socketpair end closed',
      );
      lab.require(oldExit === 'exit 0', `the old server (pid ${oldPid}) ended with ${oldExit}. Output:\n    ${lastLines(server.output())}`, 'exit 0');
      const leftOpen = (server.exitReport(oldPid)?.sockets ?? []).filter((s) => !openBefore.has(/socket:\[\d+\]/.exec(s)![0]));
      lab.require(leftOpen.length === 0, `as it exited, the old server still had ${leftOpen.join(', ')} open.`, 'handOff to close its end of the socketpair on every path');

      const mark = clients.outcomes.length;
      const served = await waitFor(() => (clients!.answeredBy(successorPid, mark) >= ANSWERS ? true : undefined));
      await clients.stop();
      requireNoFailures(clients, 'during the handoff');
      lab.require(served !== undefined, `after the old server exited, the successor (pid ${successorPid}) answered ${clients.answeredBy(successorPid, mark)} requests.`, `at least ${ANSWERS}`);
      lab.require(clients.answeredBy(oldPid) >= ANSWERS, 'the old server answered no request.', 'answers from the old pid before the handoff');

      // The check stops the successor the way the old one was stopped.
      process.kill(successorPid, 'SIGTERM');
      const successorExit = await waitFor(() => server.reaped.get(successorPid));
      lab.require(successorExit === 'exit 0', `the successor (pid ${successorPid}), sent SIGTERM, ended with ${successorExit ?? 'nothing: it is still running'}.`, 'exit 0 once its server is closed');
      await server.tracked.exit(WAIT_MS);
    } finally {
      release();
      await held?.outcome;
      await clients?.stop();
      await stopServer(server);
    }
    requireNoFdLeak('the handoff run');
  });

  it('keeps serving, and refuses no one, when the successor dies before "ready"', async function () {
    this.timeout(4 * WAIT_MS);
    const server = startServer({ FDLAB_HANDOFF_FAULT: 'exit-before-ready' });
    let clients: Load | undefined;
    try {
      const { oldPid, port } = await listening(server);
      clients = await loadOn(server, port, oldPid);
      process.kill(oldPid, 'SIGUSR2');
      const step = await waitFor(() => {
        const failed = /handoff failed: (.*)/.exec(server.output());
        if (failed) return { failed: failed[1]! };
        if (server.reaped.has(oldPid)) return { exited: server.reaped.get(oldPid)! };
        return undefined;
      });
      if (step !== undefined && 'failed' in step) failIfNotWritten(step.failed ?? '');
      if (step !== undefined && 'exited' in step) {
        lab.fail(`the successor died before "ready", and the old server (pid ${oldPid}) exited too (${step.exited}): the service is gone.`, 'handOff to throw and leave the server listening');
      }
      lab.require(
        step !== undefined,
        `the successor died before saying "ready", and ${WAIT_MS} ms later handOff had still not failed. Output:\n    ${lastLines(server.output())}`,
        'recvFds to give null (end-of-file) and handOff to throw: the successor\'s end is closed everywhere once it dies',
      );
      const mark = clients.outcomes.length;
      const served = await waitFor(() => (clients!.answeredBy(oldPid, mark) >= ANSWERS ? true : undefined));
      await clients.stop();
      requireNoFailures(clients, 'with the successor dead before "ready"');
      lab.require(served !== undefined, `after the failed handoff, the old server answered ${clients.answeredBy(oldPid, mark)} requests.`, `the old server to keep serving (at least ${ANSWERS} answers)`);
    } finally {
      await clients?.stop();
      await stopServer(server);
    }
    requireNoFdLeak('the failed handoff run');
  });
});
