// kit/fd-table.ts: a process's fd table as the kernel sees it, read from
// /proc/<pid>/fd and /proc/<pid>/fdinfo/<fd>, and printed side by side for
// two processes. It makes fd passing visible: the same open file appears in
// a second table under a new number, with the same inode and, since the
// open file description is shared, the same offset.
//
// Every fd above 2 that is not close-on-exec is marked: exec keeps it open
// in the next program, which never asked for it (a pipe a terminal or an
// editor left open, fd 251 say, ends up in every process it starts). A line
// under the tables says so for each. An fd handed over on purpose (a spawned
// child's fd 3) is marked as such instead.
//
// A process that has exited holds no fds (exit closed them all), and its
// table reads as empty, for any user: once it is reaped its /proc folder is
// gone (ENOENT), and from the moment exit frees its memory until then (while
// it tears down, and as a zombie) the kernel has no memory left to say who
// may look, so it treats the process as root's and lists its fd folder to
// root only; everyone else gets EACCES.
//
// See: proc(5) (/proc/pid/fd, /proc/pid/fdinfo, /proc/pid/stat, and the
// ownership of /proc/pid when a process is not dumpable), open(2) (flags),
// fcntl(2) (FD_CLOEXEC), execve(2) (what survives it), unix(7), wait(2) (zombies).
import { constants, readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

const O_CLOEXEC = 0o2000000;
const O_ACCMODE = 0o3;

export interface FdEntry {
  fd: number;
  /** What the fd refers to: a path, socket:[inode], pipe:[inode], anon_inode:... */
  target: string;
  /** Device and inode of the object, the identity that survives passing. */
  identity: string;
  access: 'r' | 'w' | 'rw';
  cloexec: boolean;
  nonblocking: boolean;
  /** The file offset, shared by every fd on the same open file description. */
  pos: number;
}

/** The kernel's PF_EXITING task flag: set first thing in exit, before memory and fds go. */
const PF_EXITING = 0x4;

/**
 * True when `pid` has exited or is exiting: reaped (no /proc entry), a
 * zombie (state Z or X), or killed and tearing down (PF_EXITING), which is
 * when its memory goes and with it non-root access to its fd folder.
 */
export function hasExited(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true;
  }
  // The fields after the command name, which is in parentheses and may hold
  // any character: state, ppid, pgrp, session, tty_nr, tpgid, flags, ...
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  return state === 'Z' || state === 'X' || (Number(fields[6]) & PF_EXITING) !== 0;
}

function fdNames(pid: number | 'self'): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`);
  } catch (error) {
    if (pid !== 'self' && hasExited(pid)) return [];
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' ? `EACCES: only its owner and root may read /proc/${pid}/fd` : (error as Error).message;
    throw Object.assign(new Error(`cannot read the fd table of process ${pid}: ${why}`, { cause: error }), { code });
  }
}

/** The fds `pid` holds now, by number; empty for a process that has exited. */
export function readFdTable(pid: number | 'self' = 'self'): FdEntry[] {
  if (pid !== 'self' && !(Number.isSafeInteger(pid) && pid > 0)) {
    throw new TypeError(`readFdTable: pid must be 'self' or a positive integer, not ${String(pid)}`);
  }
  const entries: FdEntry[] = [];
  for (const name of fdNames(pid)) {
    const fd = Number(name);
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      const flags = parseInt(/^flags:\s+(\d+)/m.exec(info)![1]!, 8);
      const stat = statSync(`/proc/${pid}/fd/${fd}`);
      entries.push({
        fd,
        target,
        identity: `${stat.dev}:${stat.ino}`,
        access: (['r', 'w', 'rw'] as const)[flags & O_ACCMODE] ?? 'rw',
        cloexec: (flags & O_CLOEXEC) !== 0,
        nonblocking: (flags & constants.O_NONBLOCK) !== 0,
        pos: Number(/^pos:\s+(\d+)/m.exec(info)![1]),
      });
    } catch {
      // Closed while we looked (readdir's own fd among them), or the process
      // exited meanwhile: not in the table.
    }
  }
  return entries.sort((a, b) => a.fd - b.fd);
}

export interface TableView {
  title: string;
  entries: FdEntry[];
  /** Fds this process was handed on purpose when it started (a spawned child's fd 3): not called leaks. */
  handedOver?: readonly number[];
}

export interface RenderOptions {
  /** Identities (dev:inode) to mark in every table: the object that was passed. */
  highlight?: ReadonlySet<string>;
  color?: boolean;
  /** Hide the runtime's own fds (epoll, eventfd, libuv's pipes), counted in a last line. */
  hideRuntime?: boolean;
  /** The terminal's width: tables that do not fit side by side are stacked. */
  columns?: number;
}

/** Node's own machinery: event loop, wakeup fds and internal pipes, all CLOEXEC (one that is not is shown: it leaks). */
export function isRuntimeFd(entry: FdEntry): boolean {
  return entry.fd > 2 && entry.cloexec && (entry.target.startsWith('anon_inode:') || entry.target.startsWith('pipe:'));
}

/**
 * What exec does to an fd above 2 that is not close-on-exec: it stays open
 * in the new program, which never asked for it. 'leaks' when nothing says
 * it was meant to, 'handed-over' when it was given to this process on
 * purpose (and would still pass on to what it execs); undefined for the
 * standard fds 0-2 and for close-on-exec fds.
 */
export function execFate(entry: FdEntry, handedOver: readonly number[] = []): 'leaks' | 'handed-over' | undefined {
  if (entry.fd <= 2 || entry.cloexec) return undefined;
  return handedOver.includes(entry.fd) ? 'handed-over' : 'leaks';
}

const LEAK_MARK = 'LEAKS ON EXEC';
const HANDED_OVER_MARK = 'HANDED OVER';

/** One line under the tables for each fd exec would keep open. */
export function execNotes(view: TableView): string[] {
  return view.entries.flatMap((entry) => {
    const fate = execFate(entry, view.handedOver);
    if (fate === 'leaks') return [`fd ${entry.fd} (${entry.target}) is not close-on-exec: any program this process execs inherits it.`];
    if (fate === 'handed-over') {
      return [`fd ${entry.fd} (${entry.target}) was handed to this process on purpose; it is not close-on-exec, so a program it execs inherits it too.`];
    }
    return [];
  });
}

const TARGET_WIDTH = 30;
const MIN_FLAGS_WIDTH = 19;

function flagText(entry: FdEntry, handedOver: readonly number[] | undefined): string {
  const fate = execFate(entry, handedOver);
  const exec = fate === 'leaks' ? LEAK_MARK : fate === 'handed-over' ? HANDED_OVER_MARK : entry.cloexec ? 'CLOEXEC' : '';
  return [entry.access, exec, entry.nonblocking ? 'NONBLOCK' : ''].filter(Boolean).join(' ');
}

function shortTarget(target: string, width: number): string {
  return target.length <= width ? target : `…${target.slice(target.length - width + 1)}`;
}

function shownEntries(view: TableView, options: RenderOptions): FdEntry[] {
  return options.hideRuntime ? view.entries.filter((e) => !isRuntimeFd(e)) : view.entries;
}

/** One table as lines of text, each highlighted row starting with '▶'. */
function renderTable(view: TableView, options: RenderOptions, flagsWidth: number): string[] {
  const shown = shownEntries(view, options);
  const rows = shown.map((e) => {
    const marked = options.highlight?.has(e.identity) ?? false;
    const offset = e.pos > 999_999 ? '-' : String(e.pos);
    const text =
      `${marked ? '▶' : ' '} ${String(e.fd).padStart(3)}  ${shortTarget(e.target, TARGET_WIDTH).padEnd(TARGET_WIDTH)}  ` +
      `${flagText(e, view.handedOver).padEnd(flagsWidth)} ${offset.padStart(6)}`;
    return { text, marked, leaks: execFate(e, view.handedOver) === 'leaks' };
  });
  const header = `  ${'fd'.padStart(3)}  ${'refers to'.padEnd(TARGET_WIDTH)}  ${'flags'.padEnd(flagsWidth)} ${'offset'.padStart(6)}`;
  const bold = (s: string): string => (options.color ? `\x1b[1m${s}\x1b[0m` : s);
  const mark = (s: string): string => (options.color ? `\x1b[7m${s}\x1b[0m` : s);
  const warn = (s: string): string => (options.color ? s.replace(LEAK_MARK, `\x1b[1;33m${LEAK_MARK}\x1b[0m`) : s);
  const hidden = view.entries.length - shown.length;
  const footer = hidden > 0 ? [`  (+${hidden} fds of the Node runtime: epoll, eventfd, libuv pipes)`] : [];
  return [bold(view.title), header, ...rows.map((r) => (r.marked ? mark(r.text) : r.leaks ? warn(r.text) : r.text)), ...footer];
}

/**
 * The tables side by side, or one under another when the terminal is too
 * narrow, then one line for each fd that exec would keep open (execNotes),
 * named by its table's title when there are several.
 */
export function renderFdTables(views: TableView[], options: RenderOptions = {}): string {
  const flagsWidth = Math.max(MIN_FLAGS_WIDTH, ...views.flatMap((v) => shownEntries(v, options).map((e) => flagText(e, v.handedOver).length)));
  const width = 2 + 3 + 2 + TARGET_WIDTH + 2 + flagsWidth + 1 + 6;
  const columns = views.map((v) => renderTable(v, options, flagsWidth));
  const notes = views.flatMap((v) => execNotes(v).map((note) => (views.length > 1 ? `${v.title}: ${note}` : note)));
  if (options.columns !== undefined && options.columns < views.length * (width + 2)) {
    return [columns.map((c) => c.join('\n')).join('\n\n'), ...notes].join('\n');
  }
  const visible = (s: string): number => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  const height = Math.max(...columns.map((c) => c.length));
  const lines: string[] = [];
  for (let i = 0; i < height; i++) {
    lines.push(
      columns
        .map((c, n) => {
          const cell = c[i] ?? '';
          return n === columns.length - 1 ? cell : cell + ' '.repeat(Math.max(0, width - visible(cell)));
        })
        .join('  ')
        .trimEnd(),
    );
  }
  return [...lines, ...notes].join('\n');
}

/** The identities two tables share: what was inherited or passed. */
export function sharedIdentities(a: FdEntry[], b: FdEntry[]): Set<string> {
  const inB = new Set(b.map((e) => e.identity));
  return new Set(a.map((e) => e.identity).filter((id) => inB.has(id)));
}
