// kit/fd-table.ts: a process's fd table as the kernel sees it, read from
// /proc/<pid>/fd and /proc/<pid>/fdinfo/<fd>, and printed side by side for
// two processes. It makes fd passing visible: the same open file appears in
// a second table under a new number, with the same inode and, since the
// open file description is shared, the same offset.
//
// See: proc(5) (/proc/pid/fd, /proc/pid/fdinfo), open(2) (flags),
// fcntl(2) (FD_CLOEXEC), unix(7).
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

export function readFdTable(pid: number | 'self' = 'self'): FdEntry[] {
  const entries: FdEntry[] = [];
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
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
      // Closed while we looked (readdir's own fd among them): not in the table.
    }
  }
  return entries.sort((a, b) => a.fd - b.fd);
}

export interface TableView {
  title: string;
  entries: FdEntry[];
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

/** Node's own machinery: event loop, wakeup fds and internal pipes, all CLOEXEC. */
export function isRuntimeFd(entry: FdEntry): boolean {
  return entry.fd > 2 && (entry.target.startsWith('anon_inode:') || (entry.target.startsWith('pipe:') && entry.cloexec));
}

const TARGET_WIDTH = 30;
const FLAGS_WIDTH = 19;
const COLUMN_WIDTH = 2 + 3 + 2 + TARGET_WIDTH + 2 + FLAGS_WIDTH + 1 + 6;

function flagText(entry: FdEntry): string {
  return [entry.access, entry.cloexec ? 'CLOEXEC' : '', entry.nonblocking ? 'NONBLOCK' : ''].filter(Boolean).join(' ');
}

function shortTarget(target: string, width: number): string {
  return target.length <= width ? target : `…${target.slice(target.length - width + 1)}`;
}

/** One table as lines of text, each highlighted row starting with '▶'. */
function renderTable(view: TableView, options: RenderOptions): string[] {
  const shown = options.hideRuntime ? view.entries.filter((e) => !isRuntimeFd(e)) : view.entries;
  const rows = shown.map((e) => {
    const marked = options.highlight?.has(e.identity) ?? false;
    const offset = e.pos > 999_999 ? '-' : String(e.pos);
    const text =
      `${marked ? '▶' : ' '} ${String(e.fd).padStart(3)}  ${shortTarget(e.target, TARGET_WIDTH).padEnd(TARGET_WIDTH)}  ` +
      `${flagText(e).padEnd(FLAGS_WIDTH)} ${offset.padStart(6)}`;
    return { text, marked };
  });
  const header = `  ${'fd'.padStart(3)}  ${'refers to'.padEnd(TARGET_WIDTH)}  ${'flags'.padEnd(FLAGS_WIDTH)} ${'offset'.padStart(6)}`;
  const bold = (s: string): string => (options.color ? `\x1b[1m${s}\x1b[0m` : s);
  const mark = (s: string): string => (options.color ? `\x1b[7m${s}\x1b[0m` : s);
  const hidden = view.entries.length - shown.length;
  const footer = hidden > 0 ? [`  (+${hidden} fds of the Node runtime: epoll, eventfd, libuv pipes)`] : [];
  return [bold(view.title), header, ...rows.map((r) => (r.marked ? mark(r.text) : r.text)), ...footer];
}

/** The tables side by side, or one under another when the terminal is too narrow. */
export function renderFdTables(views: TableView[], options: RenderOptions = {}): string {
  const columns = views.map((v) => renderTable(v, options));
  if (options.columns !== undefined && options.columns < views.length * (COLUMN_WIDTH + 2)) {
    return columns.map((c) => c.join('\n')).join('\n\n');
  }
  const width = COLUMN_WIDTH;
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
  return lines.join('\n');
}

/** The identities two tables share: what was inherited or passed. */
export function sharedIdentities(a: FdEntry[], b: FdEntry[]): Set<string> {
  const inB = new Set(b.map((e) => e.identity));
  return new Set(a.map((e) => e.identity).filter((id) => inB.has(id)));
}
