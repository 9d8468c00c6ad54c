// reliability/fuzz.ts: property-based fuzzing of fdlab's public API with
// fast-check. Each case is a random sequence of calls (socketpair, sendFds,
// sendFdsSync, recvFds, recvFdsSync, closeFd, peerCredentials, aborts,
// turns of the event loop) with random arguments: every socket type, wrong
// types, out-of-range numbers, closed fds, fds that are not sockets (a file,
// /dev/null, a directory), fds that arrived in earlier messages, 253 and 254
// fds, empty to 600 KB payloads, Buffer views, options right and wrong.
//
//   node --import tsx reliability/fuzz.ts [--runs 10000] [--seed N]   (make fuzz)
//
// It exits 1 when the property fails, or when the run proves too little
// (no call succeeded, or three error codes or fewer were met). The fd count
// is the whole process's, so nothing else may open or close an fd while it
// runs: test/70 runs it as a process of its own, and this program lets the
// event loop's first turn pass before it counts (the tsx loader closes two
// sockets of its own then, on Node 22 and later; test/support/fd-limit-child.ts
// says why).
//
// The property, for every sequence: nothing crashes or hangs; every call
// returns a well-formed result or fails with an Error that has a string
// `code`; every fd that arrives is open and close-on-exec; and once the
// sequence's own fds are closed, the process has exactly the fds it had
// before. FDLAB_FUZZ_SEED (or --seed) replays a run.
//
// See: unix(7), sendmsg(2), recvmsg(2), and fc.check in fast-check's docs.
import fc from 'fast-check';
import { fstatSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openFdlab, type Fdlab } from '../native/index.ts';
import { fdInfo, openFds } from '../test/support/fds.ts';

// Values that are never a valid fd, option or payload. Named, so that a
// failing case prints readably and shrinks well.
const JUNK = {
  minusOne: -1,
  fraction: 1.5,
  nan: NaN,
  infinity: Infinity,
  twoTo31: 2 ** 31,
  twoTo53: 2 ** 53,
  string: '3',
  null: null,
  object: {},
  array: [],
  boolean: true,
  bigint: 10n,
  symbol: Symbol('fd'),
  function: () => 3,
} as const;
type JunkKey = keyof typeof JUNK;
const junkKey = fc.constantFrom(...(Object.keys(JUNK) as JunkKey[]));

type FdRef =
  | { kind: 'socket' | 'other' | 'received' | 'closed'; index: number }
  | { kind: 'unopened'; fd: number }
  | { kind: 'junk'; value: JunkKey };

type FdsSpec =
  | { kind: 'list'; refs: FdRef[] }
  | { kind: 'many'; count: number; ref: FdRef }
  | { kind: 'sparse'; length: number }
  | { kind: 'junk'; value: JunkKey };

type DataSpec =
  | { kind: 'none' }
  | { kind: 'bytes'; length: number }
  | { kind: 'string'; value: string }
  | { kind: 'view'; offset: number; length: number }
  | { kind: 'wrong'; value: JunkKey | 'uint16' | 'dataView' | 'arrayBuffer' | 'clamped' };

type OptionValue = { kind: 'value'; value: number } | { kind: 'junk'; value: JunkKey | 'undefined' };
type SignalSpec = 'aborted' | 'controller' | 'plainObject';
type OptsSpec =
  | { kind: 'none' }
  | { kind: 'junk'; value: JunkKey }
  | { kind: 'object'; maxFds?: OptionValue; maxBytes?: OptionValue; timeoutMs?: OptionValue; signal?: SignalSpec };

type Command =
  | { op: 'socketpair'; type: 'stream' | 'seqpacket' | 'dgram' | 'default' | JunkKey }
  | { op: 'open'; what: 'devnull' | 'file' | 'dir' }
  | { op: 'close'; fd: FdRef }
  | { op: 'send'; sync: boolean; wait: boolean; sock: FdRef; fds: FdsSpec; data: DataSpec }
  | { op: 'recv'; sync: boolean; wait: boolean; sock: FdRef; opts: OptsSpec }
  | { op: 'drain'; sock: FdRef }
  | { op: 'abort'; index: number }
  | { op: 'peer'; sock: FdRef }
  | { op: 'tick'; timer: boolean };

const fdRef: fc.Arbitrary<FdRef> = fc.oneof(
  { weight: 12, arbitrary: fc.nat(7).map((index) => ({ kind: 'socket' as const, index })) },
  { weight: 2, arbitrary: fc.nat(3).map((index) => ({ kind: 'other' as const, index })) },
  { weight: 2, arbitrary: fc.nat(7).map((index) => ({ kind: 'received' as const, index })) },
  { weight: 2, arbitrary: fc.nat(7).map((index) => ({ kind: 'closed' as const, index })) },
  // Valid fd numbers above any fd table (the kernel's nr_open is < 2^30).
  { weight: 1, arbitrary: fc.integer({ min: 2 ** 30, max: 2 ** 31 - 1 }).map((fd) => ({ kind: 'unopened' as const, fd })) },
  { weight: 1, arbitrary: junkKey.map((value) => ({ kind: 'junk' as const, value })) },
);

const fdsSpec: fc.Arbitrary<FdsSpec> = fc.oneof(
  { weight: 12, arbitrary: fc.array(fdRef, { maxLength: 5 }).map((refs) => ({ kind: 'list' as const, refs })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('many' as const), count: fc.constantFrom(16, 253, 254), ref: fdRef }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sparse' as const), length: fc.constantFrom(1, 3, 2 ** 32 - 1) }) },
  { weight: 1, arbitrary: junkKey.map((value) => ({ kind: 'junk' as const, value })) },
);

const dataSpec: fc.Arbitrary<DataSpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 5, arbitrary: fc.nat(64).map((length) => ({ kind: 'bytes' as const, length })) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 70_000 }).map((length) => ({ kind: 'bytes' as const, length })) },
  { weight: 1, arbitrary: fc.integer({ min: 200_000, max: 600_000 }).map((length) => ({ kind: 'bytes' as const, length })) },
  { weight: 3, arbitrary: fc.string({ maxLength: 40, unit: 'binary' }).map((value) => ({ kind: 'string' as const, value })) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('view' as const), offset: fc.nat(32), length: fc.nat(32) }) },
  {
    weight: 1,
    arbitrary: fc
      .oneof(junkKey, fc.constantFrom('uint16' as const, 'dataView' as const, 'arrayBuffer' as const, 'clamped' as const))
      .map((value) => ({ kind: 'wrong' as const, value })),
  },
);

function optionValue(valid: fc.Arbitrary<number>): fc.Arbitrary<OptionValue> {
  return fc.oneof(
    { weight: 6, arbitrary: valid.map((value) => ({ kind: 'value' as const, value })) },
    { weight: 1, arbitrary: fc.oneof(junkKey, fc.constant('undefined' as const)).map((value) => ({ kind: 'junk' as const, value })) },
  );
}

const optsSpec: fc.Arbitrary<OptsSpec> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 1, arbitrary: junkKey.map((value) => ({ kind: 'junk' as const, value })) },
  {
    weight: 8,
    arbitrary: fc.record(
      {
        kind: fc.constant('object' as const),
        maxFds: optionValue(fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constantFrom(0, 16, 252, 253, 254))),
        maxBytes: optionValue(fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constantFrom(0, 65536, 2 ** 30, 2 ** 30 + 1))),
        timeoutMs: optionValue(fc.oneof(fc.integer({ min: 0, max: 3 }), fc.constantFrom(-1, 40))),
        signal: fc.constantFrom<SignalSpec>('aborted', 'controller', 'plainObject'),
      },
      { requiredKeys: ['kind'] },
    ),
  },
);

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('socketpair' as const),
      type: fc.oneof(fc.constantFrom('stream' as const, 'seqpacket' as const, 'dgram' as const, 'default' as const), junkKey),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('open' as const), what: fc.constantFrom('devnull' as const, 'file' as const, 'dir' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('close' as const), fd: fdRef }) },
  {
    weight: 10,
    arbitrary: fc.record({ op: fc.constant('send' as const), sync: fc.boolean(), wait: fc.boolean(), sock: fdRef, fds: fdsSpec, data: dataSpec }),
  },
  { weight: 8, arbitrary: fc.record({ op: fc.constant('recv' as const), sync: fc.boolean(), wait: fc.boolean(), sock: fdRef, opts: optsSpec }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('drain' as const), sock: fdRef }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('abort' as const), index: fc.nat(7) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('peer' as const), sock: fdRef }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('tick' as const), timer: fc.boolean() }) },
);

type FdKind = 'socket' | 'other' | 'received';

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Tallies of what the calls did, for the closing figures. */
export interface Outcomes {
  calls: number;
  ok: number;
  byCode: Map<string, number>;
}

// A sync send may block until the peer reads, and the peer is this very
// thread: sync sends stay within a byte budget well under the socket buffer
// (counting every message's kernel overhead, and never credited back), and
// past it the send is made async instead.
const SEND_BUDGET = Math.floor(Number(readFileSync('/proc/sys/net/core/wmem_default', 'utf8')) / 3);
const MESSAGE_OVERHEAD = 2048;

/** One case: the fds, sockets and pending calls of one command sequence. */
class World {
  readonly owned = new Map<number, FdKind>();
  readonly graveyard: number[] = [];
  readonly controllers: AbortController[] = [];
  readonly pending: Promise<void>[] = [];
  readonly violations: string[] = [];
  budget = SEND_BUDGET;

  constructor(
    readonly fdlab: Fdlab,
    readonly dir: string,
    readonly outcomes: Outcomes,
  ) {}

  add(fd: number, kind: FdKind): void {
    if (this.owned.has(fd)) this.violations.push(`fd ${fd} handed out twice (${kind} and ${this.owned.get(fd)})`);
    this.owned.set(fd, kind);
  }

  listOf(kind: FdKind): number[] {
    return [...this.owned].filter(([, k]) => k === kind).map(([fd]) => fd);
  }

  resolve(ref: FdRef): unknown {
    switch (ref.kind) {
      case 'junk':
        return JUNK[ref.value];
      case 'unopened':
        return ref.fd;
      case 'closed': {
        const fd = this.graveyard[ref.index % Math.max(1, this.graveyard.length)];
        // A closed number may since have been reused. Ours is fine to use;
        // anyone else's (Node's, the test runner's) is not ours to touch.
        if (fd === undefined || (isOpen(fd) && !this.owned.has(fd))) return 2 ** 30 + 7;
        return fd;
      }
      default: {
        const list = this.listOf(ref.kind);
        return list.length === 0 ? 2 ** 30 + 11 : list[ref.index % list.length];
      }
    }
  }

  fdsOf(spec: FdsSpec): unknown {
    switch (spec.kind) {
      case 'list':
        return spec.refs.map((ref) => this.resolve(ref));
      case 'many':
        return new Array(spec.count).fill(this.resolve(spec.ref));
      case 'sparse':
        return new Array(spec.length);
      case 'junk':
        return JUNK[spec.value];
    }
  }

  optsOf(spec: OptsSpec, sync: boolean): unknown {
    const valueOf = (option: OptionValue | undefined): unknown =>
      option === undefined ? undefined : option.kind === 'value' ? option.value : option.value === 'undefined' ? undefined : JUNK[option.value];
    let opts: unknown;
    if (spec.kind === 'none') opts = undefined;
    else if (spec.kind === 'junk') opts = JUNK[spec.value];
    else {
      let signal: unknown;
      if (spec.signal === 'aborted') signal = AbortSignal.abort();
      else if (spec.signal === 'plainObject') signal = { aborted: false };
      else if (spec.signal === 'controller') {
        const controller = new AbortController();
        this.controllers.push(controller);
        signal = controller.signal;
      }
      opts = { maxFds: valueOf(spec.maxFds), maxBytes: valueOf(spec.maxBytes), timeoutMs: valueOf(spec.timeoutMs), signal };
    }
    // This thread is the only sender: a sync receive with no timeout on an
    // empty socket would wait forever. Give it one (wrong options still fail
    // before that matters).
    if (sync) {
      if (opts === undefined) return { timeoutMs: 1 };
      if (typeof opts === 'object' && opts !== null && (opts as { timeoutMs?: unknown }).timeoutMs === undefined) {
        return Object.assign(Array.isArray(opts) ? [] : {}, opts, { timeoutMs: 1 });
      }
    }
    return opts;
  }

  dataOf(spec: DataSpec): unknown {
    switch (spec.kind) {
      case 'none':
        return undefined;
      case 'bytes':
        return Buffer.alloc(spec.length, 0x5a);
      case 'string':
        return spec.value;
      case 'view':
        return new Uint8Array(new ArrayBuffer(spec.offset + spec.length + 8), spec.offset, spec.length);
      case 'wrong':
        if (spec.value === 'uint16') return new Uint16Array(4);
        if (spec.value === 'dataView') return new DataView(new ArrayBuffer(4));
        if (spec.value === 'arrayBuffer') return new ArrayBuffer(4);
        if (spec.value === 'clamped') return new Uint8ClampedArray(4);
        return JUNK[spec.value];
    }
  }

  // --- checking what the calls did -------------------------------------

  failed(what: string, error: unknown): void {
    this.outcomes.calls++;
    const e = error as { code?: unknown; message?: unknown; syscall?: unknown; errno?: unknown };
    if (!(error instanceof Error)) {
      this.violations.push(`${what} threw a non-Error: ${String(error)}`);
      return;
    }
    if (typeof e.code !== 'string' || e.code === '') {
      this.violations.push(`${what} failed without a string code: ${error.stack}`);
      return;
    }
    if (e.code.startsWith('ERR_FDLAB')) this.violations.push(`${what}: the solutions tree broke its contract: ${error.message}`);
    if (/^E[A-Z0-9]+$/.test(e.code)) {
      if (typeof e.syscall !== 'string' || typeof e.errno !== 'number' || e.errno >= 0 || !String(e.message).startsWith(`${e.code}: `)) {
        this.violations.push(`${what}: errno error not shaped like Node's: ${error.stack}`);
      }
    }
    this.outcomes.byCode.set(e.code, (this.outcomes.byCode.get(e.code) ?? 0) + 1);
  }

  succeeded(): void {
    this.outcomes.calls++;
    this.outcomes.ok++;
  }

  checkReceived(what: string, message: unknown): void {
    if (message === null) return this.succeeded();
    const m = message as { data?: unknown; fds?: unknown };
    if (!Buffer.isBuffer(m.data) || !Array.isArray(m.fds)) {
      this.violations.push(`${what} returned a malformed message: ${String(message)}`);
      return;
    }
    const fds = m.fds as unknown[];
    if (fds.length > 253 || new Set(fds).size !== fds.length) this.violations.push(`${what} returned fds ${fds.join(',')}`);
    for (const fd of fds) {
      if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
        this.violations.push(`${what} returned a non-fd ${String(fd)}`);
        continue;
      }
      if (!isOpen(fd)) this.violations.push(`${what} returned fd ${fd}, which is not open`);
      else if (!fdInfo(fd).cloexec) this.violations.push(`${what} returned fd ${fd} without close-on-exec`);
      this.add(fd, 'received');
    }
    this.succeeded();
  }

  checkSent(what: string, sent: unknown, data: unknown): void {
    const offered = Math.max(1, typeof data === 'string' ? Buffer.byteLength(data) : ((data as Uint8Array | undefined)?.length ?? 0));
    if (typeof sent !== 'number' || !Number.isInteger(sent) || sent < 1 || sent > offered) {
      this.violations.push(`${what} reported ${String(sent)} bytes sent of ${offered}`);
    }
    this.succeeded();
  }

  /** Runs a sync call, recording how it ended. */
  call<T>(what: string, fn: () => T, check: (value: T) => void): void {
    let value: T;
    try {
      value = fn();
    } catch (error) {
      this.failed(what, error);
      return;
    }
    check(value);
  }

  /** Starts an async call; the returned promise never rejects. */
  start<T>(what: string, fn: () => Promise<T>, check: (value: T) => void): Promise<void> {
    let promise: Promise<T>;
    try {
      promise = fn();
    } catch (error) {
      this.violations.push(`${what} threw synchronously instead of rejecting: ${String(error)}`);
      return Promise.resolve();
    }
    if (!(promise instanceof Promise)) this.violations.push(`${what} did not return a promise`);
    const settled = promise.then(check, (error: unknown) => this.failed(what, error));
    this.pending.push(settled);
    return settled;
  }

  // --- the commands ----------------------------------------------------

  async run(cmd: Command): Promise<void> {
    const { fdlab } = this;
    switch (cmd.op) {
      case 'socketpair': {
        const type = cmd.type === 'default' ? undefined : cmd.type in JUNK ? JUNK[cmd.type as JunkKey] : cmd.type;
        this.call(
          'socketpair',
          () => fdlab.socketpair(type as never),
          (pair) => {
            if (!Array.isArray(pair) || pair.length !== 2 || pair[0] === pair[1]) this.violations.push(`socketpair returned ${String(pair)}`);
            for (const fd of pair) {
              if (!fdInfo(fd).cloexec) this.violations.push(`socketpair fd ${fd} is not close-on-exec`);
              this.add(fd, 'socket');
            }
            this.succeeded();
          },
        );
        return;
      }
      case 'open': {
        const path = cmd.what === 'devnull' ? '/dev/null' : cmd.what === 'dir' ? this.dir : join(this.dir, 'file');
        this.add(openSync(path, cmd.what === 'file' ? 'a+' : 'r'), 'other');
        return;
      }
      case 'close': {
        const fd = this.resolve(cmd.fd);
        this.call('closeFd', () => fdlab.closeFd(fd as never), () => this.succeeded());
        if (typeof fd === 'number' && this.owned.delete(fd)) this.graveyard.push(fd);
        return;
      }
      case 'send': {
        const sock = this.resolve(cmd.sock);
        const fds = this.fdsOf(cmd.fds);
        const data = this.dataOf(cmd.data);
        const bytes = typeof data === 'string' ? Buffer.byteLength(data) : data instanceof Uint8Array ? data.length : 0;
        const cost = bytes + MESSAGE_OVERHEAD;
        this.budget -= cost;
        if (cmd.sync && this.budget >= 0) {
          this.call(`sendFdsSync(${String(sock)})`, () => fdlab.sendFdsSync(sock as never, fds as never, data as never), (n) =>
            this.checkSent('sendFdsSync', n, data),
          );
          return;
        }
        const sending = this.start(`sendFds(${String(sock)})`, () => fdlab.sendFds(sock as never, fds as never, data as never), (n) =>
          this.checkSent('sendFds', n, data),
        );
        if (cmd.wait) await Promise.race([sending, sleep(2)]);
        return;
      }
      case 'recv': {
        const sock = this.resolve(cmd.sock);
        const opts = this.optsOf(cmd.opts, cmd.sync);
        if (cmd.sync) {
          this.call(`recvFdsSync(${String(sock)})`, () => fdlab.recvFdsSync(sock as never, opts as never), (m) =>
            this.checkReceived('recvFdsSync', m),
          );
          return;
        }
        const receiving = this.start(`recvFds(${String(sock)})`, () => fdlab.recvFds(sock as never, opts as never), (m) =>
          this.checkReceived('recvFds', m),
        );
        if (cmd.wait) await Promise.race([receiving, sleep(2)]);
        return;
      }
      case 'drain': {
        const sock = this.resolve(cmd.sock);
        for (let i = 0; i < 8; i++) {
          let message: unknown;
          try {
            message = await fdlab.recvFds(sock as never, { maxFds: 253, maxBytes: 1 << 20, timeoutMs: 0 });
          } catch (error) {
            this.failed('recvFds (drain)', error);
            return;
          }
          this.checkReceived('recvFds (drain)', message);
          if (message === null) return;
        }
        return;
      }
      case 'abort':
        this.controllers[cmd.index % Math.max(1, this.controllers.length)]?.abort(new Error('fuzz abort'));
        return;
      case 'peer': {
        const sock = this.resolve(cmd.sock);
        this.call('peerCredentials', () => fdlab.peerCredentials(sock as never), (cred) => {
          if (typeof cred?.pid !== 'number' || typeof cred.uid !== 'number' || typeof cred.gid !== 'number') {
            this.violations.push(`peerCredentials returned ${JSON.stringify(cred)}`);
          }
          this.succeeded();
        });
        return;
      }
      case 'tick':
        await (cmd.timer ? sleep(1) : new Promise((resolve) => setImmediate(resolve)));
        return;
    }
  }

  /**
   * Closes every fd the case owns, which must settle every pending call
   * (a wait on a closed fd fails with EBADF); fds that arrive meanwhile are
   * closed too. Reports a hang if something is still pending after that.
   */
  async cleanUp(): Promise<void> {
    for (let round = 0; this.owned.size > 0 || this.pending.length > 0; round++) {
      for (const fd of [...this.owned.keys()]) {
        this.owned.delete(fd);
        try {
          this.fdlab.closeFd(fd);
        } catch (error) {
          this.violations.push(`closing fd ${fd} at the end failed: ${String(error)}`);
        }
      }
      const pending = this.pending.splice(0);
      let timer: NodeJS.Timeout | undefined;
      const hung = await Promise.race([
        Promise.all(pending).then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), 10_000))),
      ]);
      clearTimeout(timer);
      if (hung) {
        this.violations.push(`${pending.length} call(s) still pending 10 s after every fd of the case was closed`);
        return;
      }
      if (round > 20) {
        this.violations.push('fds kept arriving after the case was closed');
        return;
      }
    }
  }
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  maxCommands?: number;
  /** Called with fast-check's report when the property fails. */
  log?: (text: string) => void;
}

export interface FuzzReport {
  seed: number;
  runs: number;
  commands: number;
  outcomes: Outcomes;
  failed: boolean;
  report: string;
  elapsedMs: number;
  fdsBefore: number;
  fdsAfter: number;
}

/** A seed for a new run: FDLAB_FUZZ_SEED when set (to replay one), else a random one. */
export function fuzzSeed(): number {
  const fromEnv = process.env.FDLAB_FUZZ_SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed)) throw new Error(`FDLAB_FUZZ_SEED=${JSON.stringify(fromEnv)} is not an integer`);
    return seed;
  }
  return (Date.now() ^ Math.floor(Math.random() * 2 ** 31)) | 0;
}

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const fdlab = openFdlab('solutions');
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-fuzz-'));
  const outcomes: Outcomes = { calls: 0, ok: 0, byCode: new Map() };
  let commands = 0;
  const started = performance.now();
  const fdsBefore = openFds().length;
  try {
    const property = fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: options.maxCommands ?? 40, size: 'medium' }), async (cmds) => {
      const before = openFds();
      const world = new World(fdlab, dir, outcomes);
      // Every case starts with one pair of each type and three non-sockets.
      for (const type of ['stream', 'seqpacket', 'dgram'] as const) fdlab.socketpair(type).forEach((fd) => world.add(fd, 'socket'));
      for (const what of ['devnull', 'file', 'dir'] as const) await world.run({ op: 'open', what });
      for (const cmd of cmds) {
        commands++;
        await world.run(cmd);
      }
      await world.cleanUp();
      const after = openFds();
      const leaked = after.filter((fd) => !before.includes(fd));
      const lost = before.filter((fd) => !after.includes(fd));
      if (leaked.length > 0) world.violations.push(`fds left open after the case: ${leaked.join(', ')}`);
      if (lost.length > 0) world.violations.push(`fds the case did not own were closed: ${lost.join(', ')}`);
      if (world.violations.length > 0) throw new Error(world.violations.join('\n'));
    });
    const details = await fc.check(property, { numRuns: options.runs, seed: options.seed });
    const report = details.failed ? `${fc.defaultReportMessage(details) ?? 'failed'}\n${String(details.errorInstance)}` : '';
    if (details.failed) options.log?.(report);
    return {
      seed: details.seed,
      runs: details.numRuns,
      commands,
      outcomes,
      failed: details.failed,
      report,
      elapsedMs: performance.now() - started,
      fdsBefore,
      fdsAfter: openFds().length,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures, one line each. */
export function describeReport(r: FuzzReport): string {
  const codes = [...r.outcomes.byCode].sort((a, b) => b[1] - a[1]).map(([code, n]) => `${code} ${n}`);
  return [
    `fuzz: seed ${r.seed} (replay: FDLAB_FUZZ_SEED=${r.seed})`,
    `fuzz: ${r.runs} cases, ${r.commands} commands, ${r.outcomes.calls} API calls in ${(r.elapsedMs / 1000).toFixed(1)} s`,
    `fuzz: ${r.outcomes.ok} succeeded; failed with: ${codes.join(', ') || 'none'}`,
    `fuzz: open fds before ${r.fdsBefore}, after ${r.fdsAfter} (delta ${r.fdsAfter - r.fdsBefore})`,
    `fuzz: ${r.failed ? 'FAILED' : 'passed'}`,
  ].join('\n');
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** What is wrong with a finished run, one sentence each: none for a good one. */
export function problemsOf(report: FuzzReport, runs: number): string[] {
  const problems: string[] = [];
  if (report.failed) problems.push('the property failed (its counterexample is above)');
  if (report.runs !== runs) problems.push(`${report.runs} cases ran, not ${runs}`);
  if (report.fdsAfter !== report.fdsBefore) problems.push(`the process had ${report.fdsBefore} fds before the run and ${report.fdsAfter} after`);
  if (report.outcomes.ok === 0) problems.push('no call succeeded: the run proves nothing about the calls that should');
  if (report.outcomes.byCode.size <= 3) problems.push(`only ${report.outcomes.byCode.size} error codes were met: the run reached too few error paths`);
  return problems;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = Number(argValue('--runs') ?? 10_000);
  const seedArg = argValue('--seed');
  const seed = seedArg !== undefined ? Number(seedArg) : fuzzSeed();
  await new Promise((resolve) => setImmediate(resolve));
  console.log(`fuzz: ${runs} cases, seed ${seed}`);
  const report = await fuzz({ runs, seed, log: (text) => console.error(text) });
  console.log(describeReport(report));
  const problems = problemsOf(report, runs);
  for (const problem of problems) console.log(`fuzz: ${problem}`);
  if (problems.length > 0) process.exitCode = 1;
}
