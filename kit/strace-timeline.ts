// kit/strace-timeline.ts: turns `strace -f -yy -ttt` output of the demo into
// a short timeline of the calls that move the socket and the file, labelled
// with the same "parent PID" / "child PID" names the demo's narration uses.
//
// strace -f interleaves processes and threads, splitting a call that
// another process interrupted into "<unfinished ...>" and "<... resumed>"
// halves; those are joined first. Who is who comes from the trace itself:
// the parent is the process strace started, the child the first process it
// forked. Only those two main threads are kept (the others are Node's own
// workers), and of their calls only those that matter: socketpair, the
// fork of the child, the dup2 between fork and exec that moves the pair's
// end onto the child's fd 3 (lab 02), the exec, sendmsg and recvmsg
// (SCM_RIGHTS decoded by strace), the closes of the pair and of the passed
// file, the child's exit and the parent's wait4 that reaps it.
//
// See: strace(1) (-f, -yy, -ttt), socketpair(2), dup2(2), execve(2)
// (close-on-exec), sendmsg(2), recvmsg(2), wait4(2).

export const TRACED_CALLS = ['socketpair', 'clone', 'clone3', 'fork', 'vfork', 'dup2', 'dup3', 'execve', 'sendmsg', 'recvmsg', 'close', 'wait4'];

export interface TraceEvent {
  /** Seconds since the first event. */
  at: number;
  pid: number;
  text: string;
  /** Why this line matters, in a few words. */
  note: string;
}

interface RawLine {
  pid: number;
  time: number;
  text: string;
}

/** Joins "<unfinished ...>" with its "<... name resumed>" continuation. */
function joinResumed(lines: string[]): RawLine[] {
  const pending = new Map<number, RawLine>();
  const joined: RawLine[] = [];
  for (const line of lines) {
    const match = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(line);
    if (!match) continue;
    const pid = Number(match[1]);
    const time = Number(match[2]);
    const text = match[3]!;
    const resumed = /^<\.\.\. \w+ resumed>\s?(.*)$/.exec(text);
    if (resumed && pending.has(pid)) {
      const start = pending.get(pid)!;
      pending.delete(pid);
      joined.push({ pid, time: start.time, text: start.text + resumed[1] });
    } else if (text.endsWith('<unfinished ...>')) {
      pending.set(pid, { pid, time, text: text.slice(0, -'<unfinished ...>'.length).trimEnd() });
    } else {
      joined.push({ pid, time, text });
    }
  }
  return joined.sort((a, b) => a.time - b.time);
}

/** Drops the fields of a msghdr that say nothing here, so SCM_RIGHTS stands out. */
function compact(text: string): string {
  return text
    .replace(/\s+= /, ' = ')
    .replace(/msg_name=NULL, msg_namelen=0, /g, '')
    .replace(/msg_iovlen=1, /g, '')
    .replace(/, msg_controllen=\d+/g, '')
    .replace(/, msg_flags=0/g, '')
    .replace(/cmsg_len=\d+, cmsg_level=SOL_SOCKET, /g, '');
}

export interface Roles {
  parent: number;
  child: number;
}

const FORKS = new Set(['clone', 'clone3', 'fork', 'vfork']);

/**
 * The demo's two processes, read from the trace: the parent is the process
 * strace started (its first line), the child the first process the parent
 * forked (a clone without CLONE_THREAD; with it, the clone is one of Node's
 * threads). No child when the demo stopped before spawning one.
 */
export function rolesFromTrace(straceOutput: string): { parent?: number; child?: number } {
  const lines = joinResumed(straceOutput.split('\n'));
  const parent = lines[0]?.pid;
  const fork = lines.find((l) => l.pid === parent && FORKS.has(/^(\w+)\(/.exec(l.text)?.[1] ?? '') && !l.text.includes('CLONE_THREAD'));
  const child = Number(/ = (\d+)$/.exec(fork?.text ?? '')?.[1]);
  return { parent, child: child > 0 ? child : undefined };
}

/**
 * The text with strace's -yy annotations removed: `dup2(20<UNIX-STREAM:[7->8]>, 3)`
 * becomes `dup2(20, 3)`. Annotations may nest (`0</dev/null<char 1:3>>`),
 * and a socket's `[inode->peer]` holds a '>' that closes nothing.
 */
function withoutAnnotations(text: string): string {
  let depth = 0;
  let inBrackets = 0;
  let plain = '';
  for (const char of text) {
    if (depth > 0 && char === '[') inBrackets++;
    else if (depth > 0 && char === ']' && inBrackets > 0) inBrackets--;
    else if (inBrackets === 0 && char === '<') depth++;
    else if (inBrackets === 0 && char === '>' && depth > 0) depth--;
    else if (depth === 0) plain += char;
  }
  return plain;
}

/** What a successful dup2/dup3 did, in the demo's words; undefined for a failed one. */
function dupNote(text: string, owner: string): string | undefined {
  const match = /^dup([23])\((\d+), (\d+)(?:, ([\w|]+))?\) = (\d+)$/.exec(withoutAnnotations(text));
  if (!match) return undefined;
  const [, version, from, to, flags] = match;
  const cloexec = version === '3' && (flags ?? '').includes('O_CLOEXEC');
  return (
    `dup${version}(${from}, ${to}): fd ${from} becomes ${owner}fd ${to}` +
    (cloexec ? ', close-on-exec (O_CLOEXEC)' : ', without close-on-exec: it survives the exec')
  );
}

/** The timeline of what matters, for the demo's parent and child main threads. */
export function demoTimeline(straceOutput: string, roles: Roles): TraceEvent[] {
  const lines = joinResumed(straceOutput.split('\n')).filter((l) => l.pid === roles.parent || l.pid === roles.child);
  // The inodes of the demo's own pair, so the closes of Node's other sockets can be left out.
  const pairLine = lines.find((l) => l.text.startsWith('socketpair(') && l.pid === roles.parent);
  const pairInodes = new Set([...(pairLine?.text.matchAll(/UNIX-\w+:\[(\d+)/g) ?? [])].map((m) => m[1]!));
  const demoFile = /fdlab-demo-[^/>]+\/[^>]+/;
  const events: TraceEvent[] = [];
  const start = lines[0]?.time ?? 0;
  const add = (line: RawLine, note: string): void => {
    events.push({ at: line.time - start, pid: line.pid, text: compact(line.text), note });
  };
  for (const line of lines) {
    const t = line.text;
    const call = /^(\w+)\(/.exec(t)?.[1];
    if (call === 'socketpair') add(line, 'the pair: both ends close-on-exec');
    else if (call !== undefined && FORKS.has(call) && !t.includes('CLONE_THREAD')) {
      add(line, 'fork: the child starts as a copy of the parent, with a copy of every fd');
    } else if (call === 'dup2' || call === 'dup3') {
      const note = dupNote(t, line.pid === roles.child ? "the child's " : "the parent's ");
      if (note !== undefined) add(line, note);
    } else if (call === 'execve' && line.pid === roles.child) add(line, 'exec: every close-on-exec fd closes; the others (0-2, the new fd 3) stay');
    else if (call === 'sendmsg' && t.includes('SCM_RIGHTS')) add(line, 'SCM_RIGHTS: the open file rides on one byte');
    else if (call === 'recvmsg' && t.includes('SCM_RIGHTS')) add(line, 'the same open file, under a new fd number');
    else if (call === 'recvmsg' && t.includes('EAGAIN')) add(line, 'nothing yet: wait on the event loop');
    else if (call === 'recvmsg' && / = 0$/.test(t)) add(line, 'end of file: the peer closed');
    else if ((call === 'sendmsg' || call === 'recvmsg') && / = [1-9]\d*$/.test(t)) add(line, 'a message with no fds');
    else if (call === 'close') {
      const inode = /UNIX-\w+:\[(\d+)/.exec(t)?.[1];
      if ((inode !== undefined && pairInodes.has(inode)) || demoFile.test(t)) add(line, 'close');
    } else if (call === 'wait4' && Number(/ = (-?\d+)$/.exec(t)?.[1]) > 0) add(line, 'reaped: no zombie');
    else if (t.startsWith('+++ exited')) add(line, line.pid === roles.child ? 'the child exits' : 'the parent exits');
  }
  return events;
}

export function renderTimeline(events: TraceEvent[], roles: Roles, width = 160): string {
  const label = (pid: number): string => (pid === roles.parent ? `parent ${pid}` : `child ${pid}`).padEnd(13);
  return events
    .map((e) => {
      const lane = e.pid === roles.parent ? '' : '    ';
      const head = `${(e.at * 1000).toFixed(1).padStart(8)} ms  ${label(e.pid)}${lane}`;
      const room = Math.max(40, width - head.length);
      const pad = ' '.repeat(head.length);
      const chunks = e.text.match(new RegExp(`.{1,${room}}`, 'g')) ?? [''];
      return `${head}${chunks.join(`\n${pad}`)}\n${pad}  ↳ ${e.note}`;
    })
    .join('\n');
}
