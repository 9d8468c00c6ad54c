// kit/demo-views.ts: what `make demo` shows besides its narration: the two
// processes' fd tables side by side at the moment both hold the passed file,
// and a Mermaid sequence diagram of the run that just happened (real pids
// and fd numbers), written under the kit's git-ignored state folder.
//
// See: proc(5) (/proc/pid/fd, /proc/pid/fdinfo), unix(7) (SCM_RIGHTS).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readFdTable, renderFdTables } from './fd-table.ts';
import { stateDir } from './state.ts';
import { colourEnabled } from './terminal.ts';

/**
 * Both fd tables, the passed file marked in each. Returns the text to print
 * and the passed file's fd number in the child, when it is there too.
 */
export function fdTablesView(parentPid: number, childPid: number, parentFd: number): { text: string; childFd?: number } {
  const parent = readFdTable(parentPid);
  const child = readFdTable(childPid);
  const passed = parent.find((e) => e.fd === parentFd);
  const inChild = passed && child.find((e) => e.identity === passed.identity);
  const tables = renderFdTables(
    [
      { title: `parent ${parentPid}`, entries: parent },
      { title: `child ${childPid}`, entries: child },
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
      : '(the passed file is no longer in both tables)';
  return { text: `${tables}\n${verdict}`, childFd: inChild?.fd };
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
