// kit/commands/watch.ts: `make watch` reruns the check of the lab being
// worked on (the lowest one not yet passed, or LAB=N) every time one of its
// files is saved. When that lab passes it moves on to the next one, unless
// LAB=N pinned it.
//
// Saves are seen two ways at once. fs.watch on the lab's folder gives file
// events the moment an editor writes (a folder, not the file: editors that
// save by writing a new file and renaming it over the old one replace the
// inode a file watch would be holding). Events do not arrive everywhere
// (network mounts, a bind mount edited from the host side, an exhausted
// inotify limit), so a stat() of the lab's files every second catches what
// they miss; a change is a new (inode, size, mtime).
//
//   FDLAB_WATCH_POLL=1           no file events: stat() polling only
//   FDLAB_WATCH_INTERVAL_MS=n    how often to poll (default 1000)
//
// See: inotify(7), stat(2).
import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkFile, findLab, labFile, loadLabs, type Lab } from '../manifest.ts';
import { root } from '../paths.ts';
import { runCheck } from '../run-check.ts';
import { isPassing, labBeingWorkedOn } from '../state.ts';
import { paint } from '../terminal.ts';

/** An editor's save can be several writes: wait this long for them to settle. */
const SETTLE_MS = 100;

/** (inode, size, mtime) of each file: any save changes at least one. */
function signature(paths: readonly string[]): string {
  return paths
    .map((path) => {
      try {
        const stat = statSync(path);
        return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

/** Calls `onChange` when any of `paths` may have changed: on file events and on every poll. */
class FileChanges {
  readonly how: string;
  private readonly watchers: FSWatcher[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(paths: readonly string[], onChange: () => void, poll: boolean, intervalMs: number) {
    const seconds = `${intervalMs / 1000} s`;
    this.timer = setInterval(onChange, intervalMs);
    if (poll) {
      this.how = `polling every ${seconds} (FDLAB_WATCH_POLL=1)`;
      return;
    }
    try {
      for (const dir of new Set(paths.map((path) => dirname(path)))) {
        const names = new Set(paths.filter((path) => dirname(path) === dir).map((path) => basename(path)));
        const watcher = watch(dir, (_event, name) => {
          if (name === null || names.has(name)) onChange();
        });
        // A watch can fail later (its folder removed): the poll carries on.
        watcher.on('error', () => watcher.close());
        this.watchers.push(watcher);
      }
      this.how = `file events, and a look every ${seconds} in case they do not arrive`;
    } catch (error) {
      this.closeWatchers();
      const why = (error as NodeJS.ErrnoException).code ?? String(error);
      const hint = why === 'ENOSPC' ? ': the inotify watch limit is reached, see make doctor' : '';
      this.how = `file events are not available here (${why}${hint}); polling every ${seconds} instead`;
    }
  }

  private closeWatchers(): void {
    for (const watcher of this.watchers.splice(0)) watcher.close();
  }

  close(): void {
    clearInterval(this.timer);
    this.closeWatchers();
  }
}

export function watchCommand(requested?: number): Promise<number> {
  const p = paint();
  const labs = loadLabs();
  const pinned = requested === undefined ? undefined : findLab(requested);
  const poll = process.env.FDLAB_WATCH_POLL === '1';
  const intervalMs = Number(process.env.FDLAB_WATCH_INTERVAL_MS) || 1000;

  const first = pinned ?? labBeingWorkedOn(labs);
  if (first === undefined) {
    process.stdout.write('Every lab passes: there is nothing to watch. make status shows them all.\n');
    return Promise.resolve(0);
  }

  return new Promise((resolve) => {
    let current: Lab = first;
    let changes: FileChanges | undefined;
    let settle: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let lastRun = '';
    let runs = 0;
    let stopping = false;

    const paths = (): string[] => current.files.map((file) => join(root, labFile('labs', current, file)));
    const shownFiles = (): string => current.files.map((file) => labFile('labs', current, file)).join(', ');

    // Ctrl-C (or SIGTERM) stops watching; a check still running ends with
    // its own verdict first. Our handlers go at once, so a second Ctrl-C
    // gets Node's default: exit now.
    const onSignal = (): void => {
      process.stdout.write(`\nfdlab watch: stopping${running === undefined ? '' : ' once the running check ends'}.\n`);
      stop(0);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    function stop(code: number): void {
      stopping = true;
      clearTimeout(settle);
      changes?.close();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      void (running ?? Promise.resolve()).then(() => resolve(code));
    }

    const onChange = (): void => {
      if (stopping || running !== undefined || signature(paths()) === lastRun) return;
      clearTimeout(settle);
      settle = setTimeout(runNow, SETTLE_MS);
    };

    const watchLab = (): void => {
      changes?.close();
      changes = new FileChanges(paths(), onChange, poll, intervalMs);
    };

    const footer = (): void => {
      process.stdout.write(
        `\n${p.dim('fdlab watch:')} watching ${shownFiles()} (${changes!.how}).\n` +
          `Save to check lab ${current.id} again; Ctrl-C stops. ` +
          `If saving does not rerun it, run the check by hand: make lab-${current.id} (make doctor says why).\n`,
      );
    };

    const afterRun = (passed: boolean): void => {
      if (stopping) return;
      if (passed && pinned === undefined) {
        const next = labBeingWorkedOn(labs);
        if (next === undefined) {
          process.stdout.write(`\n${p.good('Every lab passes.')} Well done. See it all at work: make demo, then make trace.\n`);
          stop(0);
          return;
        }
        process.stdout.write(`\n${p.good(`lab ${current.id} passes.`)} On to lab ${next.id}: read labs/${next.folder}/README.md\n`);
        current = next;
        watchLab();
        runNow();
        return;
      }
      footer();
      onChange(); // a save that landed while the check ran
    };

    function runNow(): void {
      if (stopping || running !== undefined) return;
      if (!existsSync(checkFile(current))) {
        process.stderr.write(`fdlab: lab ${current.id} has no check yet (${checkFile(current)}).\n`);
        stop(1);
        return;
      }
      lastRun = signature(paths());
      runs += 1;
      if (process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
      const time = new Date().toTimeString().slice(0, 8);
      process.stdout.write(p.bold(`fdlab watch: lab ${current.id}, ${current.title} (run ${runs}, ${time})\n`));
      running = runCheck(current, 'labs').then(
        (result) => {
          running = undefined;
          afterRun(isPassing(result));
        },
        (error: unknown) => {
          running = undefined;
          process.stderr.write(`fdlab: ${error instanceof Error ? error.message : String(error)}\n`);
          afterRun(false);
        },
      );
    }

    watchLab();
    runNow();
  });
}
