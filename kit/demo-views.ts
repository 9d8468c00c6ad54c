// kit/demo-views.ts: what `make demo` shows besides its narration: the two
// processes' fd tables side by side at the moment both hold the passed file,
// each fd that exec would keep open flagged (kit/fd-table.ts),
// and a Mermaid sequence diagram of the run that just happened (real pids
// and fd numbers), written under the kit's git-ignored state folder.
//
// See: proc(5) (/proc/pid/fd, /proc/pid/fdinfo), unix(7) (SCM_RIGHTS),
// dup2(2) and execve(2) (close-on-exec).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasExited, readFdTable, renderFdTables, type FdEntry } from './fd-table.ts';
import { stateDir } from './state.ts';
import { colourEnabled } from './terminal.ts';

/**
 * One process's table and its title. The child may be killed at any moment
 * (the demo's failure tests do it right after it sends), so a process that
 * has exited is shown as such, with no fds, and a table that cannot be read
 * says why in its title instead of ending the demo.
 */
function tableOf(role: string, pid: number): { title: string; entries: FdEntry[]; exited: boolean; unreadable?: string } {
  try {
    const entries = readFdTable(pid);
    const exited = entries.length === 0 && hasExited(pid);
    return { title: exited ? `${role} ${pid} (exited)` : `${role} ${pid}`, entries, exited };
  } catch (error) {
    return { title: `${role} ${pid} (unreadable)`, entries: [], exited: false, unreadable: `(${(error as Error).message})` };
  }
}

/** The child's end of the pair: the demo hands it over as fd 3 (lab 02's FDLAB_SOCK_FD). */
const CHILD_SOCK_FD = 3;

/**
 * Learners ask why the socket the child was handed shows CLOEXEC: dup2 gave
 * it to the child without the flag (so it survived exec), then Node, as it
 * started, set the flag on the low fds it inherited (libuv's
 * uv_disable_stdio_inheritance: fds 0 to 15, and on up to the first one not
 * open), so the socket goes no further than the child. A high fd is left
 * as it came, which is how an fd 251 leaks on through Node.
 */
function whyHandedOverIsCloexec(title: string, child: FdEntry[]): string | undefined {
  const socket = child.find((e) => e.fd === CHILD_SOCK_FD);
  if (socket === undefined || !socket.cloexec || !socket.target.startsWith('socket:')) return undefined;
  return (
    `${title}: fd ${CHILD_SOCK_FD}, its socket, came without CLOEXEC (it had to survive exec); ` +
    'Node set the flag on the low fds it inherited as it started, so the socket goes no further.'
  );
}

/**
 * Both fd tables, the passed file marked in each. Returns the text to print
 * and the passed file's fd number in the child, when it is there too.
 */
export function fdTablesView(parentPid: number, childPid: number, parentFd: number): { text: string; childFd?: number } {
  const parentTable = tableOf('parent', parentPid);
  const childTable = tableOf('child', childPid);
  const parent = parentTable.entries;
  const child = childTable.entries;
  const passed = parent.find((e) => e.fd === parentFd);
  const inChild = passed && child.find((e) => e.identity === passed.identity);
  const tables = renderFdTables(
    [
      { title: parentTable.title, entries: parent },
      { title: childTable.title, entries: child, handedOver: [CHILD_SOCK_FD] },
    ],
    {
      highlight: new Set(passed ? [passed.identity] : []),
      hideRuntime: true,
      color: colourEnabled(),
      columns: process.stdout.columns,
    },
  );
  const verdict =
    passed && inChild
      ? `▶ the same open file: parent fd ${passed.fd} and child fd ${inChild.fd} are inode ${passed.identity.split(':')[1]} ` +
        `(dev ${passed.identity.split(':')[0]}) at offset ${passed.pos} in both: one open file description, two fd tables.`
      : childTable.exited
        ? `(the child has exited, and exit closed its fds: the passed file is in the parent's table only)`
        : '(the passed file is no longer in both tables)';
  const notes = [parentTable.unreadable, childTable.unreadable, whyHandedOverIsCloexec(childTable.title, child)].filter((note) => note !== undefined);
  return { text: [tables, ...notes, verdict].join('\n'), childFd: inChild?.fd };
}

export interface RunFacts {
  parentPid: number;
  childPid: number;
  parentEnd: number;
  childEnd: number;
  childFileFd: number;
  parentFileFd: number;
  tempDir: string;
}

/** Writes the run's sequence diagram as Markdown and returns its path. */
export function writeRunDiagram(facts: RunFacts): string {
  const { parentPid: p, childPid: c } = facts;
  const diagram = [
    `# The demo run of ${new Date().toISOString()}`,
    '',
    'Written by `make demo` with the real pids and fd numbers of that run. GitHub and VS Code render it.',
    '',
    '```mermaid',
    'sequenceDiagram',
    `    participant P as parent ${p}`,
    '    participant K as kernel',
    `    participant C as child ${c}`,
    `    P->>K: socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC)`,
    `    K-->>P: fds ${facts.parentEnd} and ${facts.childEnd}`,
    `    P->>C: spawn, fd ${facts.childEnd} becomes the child's fd 3 (FDLAB_SOCK_FD=3)`,
    `    P->>K: close(${facts.childEnd}): only the child holds that end now`,
    `    C->>K: open ${facts.tempDir}/from-child.txt as fd ${facts.childFileFd}, write "hello from child"`,
    `    C->>K: sendmsg(3, 1 byte, SCM_RIGHTS [${facts.childFileFd}])`,
    `    K-->>P: recvmsg(${facts.parentEnd}): 1 byte, SCM_RIGHTS [${facts.parentFileFd}] (close-on-exec)`,
    `    Note over P,C: parent fd ${facts.parentFileFd} and child fd ${facts.childFileFd}: one open file`,
    `    P->>K: read(${facts.parentFileFd}): "hello from child"`,
    `    P->>C: "done" over fd ${facts.parentEnd}`,
    `    C->>K: close(${facts.childFileFd}), close(3), exit(0)`,
    `    P->>K: wait4(${c}): reaped`,
    `    P->>K: rm -r ${facts.tempDir}`,
    '```',
    '',
  ].join('\n');
  mkdirSync(stateDir, { recursive: true });
  const path = join(stateDir, 'demo-run.md');
  writeFileSync(path, diagram);
  return path;
}
