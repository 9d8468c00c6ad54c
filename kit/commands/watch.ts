// kit/commands/watch.ts: `make watch` reruns the check of the lab being
// worked on (the lowest one not yet passed, or LAB=N) every time one of its
// files is saved. When that lab passes it moves on to the next one, unless
// LAB=N pinned it. A save while a check runs is never lost: the lab is
// checked again as soon as that check ends.
//
// On a terminal it is a screen, like rustlings' watch: cleared for each run
// (not on TERM=dumb or with NO_COLOR), the result drawn from the check's
// typed result (kit/watch-screen.ts: the failure being worked on first,
// "not written yet" ones one line per function), and keys read with
// readline in raw mode: h the next hint, r rerun, n the next lab, l the
// status list, q (or Ctrl-C) quit. Off a terminal (a pipe, CI, a VS Code
// task's output) it prints the check's own output and reads no keys.
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
// See: inotify(7), stat(2), termios(3) (raw mode: keys arrive one by one,
// Ctrl-C as a byte rather than SIGINT).
import { existsSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { emitKeypressEvents, type Key } from 'node:readline';
import { checkFile, findLab, labFile, loadLabs, type Lab } from '../manifest.ts';
import { root } from '../paths.ts';
import { runCheck } from '../run-check.ts';
import { isPassing, labBeingWorkedOn, type CheckResult } from '../state.ts';
import { colourEnabled, paint } from '../terminal.ts';
import { renderResult } from '../watch-screen.ts';
import { hintCommand } from './hint.ts';
import { statusTable } from './status.ts';

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

/** The file of `paths` modified last (for "the failure being worked on"), from the project root. */
function savedLast(paths: readonly string[]): string | undefined {
  let newest: { path: string; at: number } | undefined;
  for (const path of paths) {
    try {
      const at = statSync(path).mtimeMs;
      if (newest === undefined || at > newest.at) newest = { path, at };
    } catch {
      // a missing file was not saved
    }
  }
  return newest === undefined ? undefined : relative(root, newest.path);
}

/**
 * The lab to move on to after `current` passes: the next one in the
 * manifest that does not pass yet, else the lowest one that does not.
 */
function nextToWorkOn(labs: readonly Lab[], current: Lab): Lab | undefined {
  const after = labs.slice(labs.indexOf(current) + 1);
  return labBeingWorkedOn(after) ?? labBeingWorkedOn(labs);
}

/** Raw-mode keys on stdin; `close()` gives the terminal back as it was. */
class Keys {
  private readonly onKeypress: (text: string | undefined, key: Key | undefined) => void;

  constructor(onKey: (name: string) => void) {
    emitKeypressEvents(process.stdin);
    process.stdin.setRawMode(true);
    this.onKeypress = (text, key) => {
      if (key?.ctrl === true && key.name === 'c') onKey('ctrl-c');
      else if (key?.ctrl !== true && key?.meta !== true) onKey(key?.name ?? text ?? '');
    };
    process.stdin.on('keypress', this.onKeypress);
    process.stdin.resume();
    // A crash must not leave the learner's terminal in raw mode.
    process.once('exit', this.restore);
  }

  private readonly restore = (): void => {
    if (process.stdin.isTTY) process.stdin.setRawMode(false);
  };

  close(): void {
    process.stdin.off('keypress', this.onKeypress);
    this.restore();
    process.off('exit', this.restore);
    process.stdin.pause();
  }
}

export function watchCommand(requested?: number): Promise<number> {
  const p = paint();
  const labs = loadLabs();
  // The manifest's own objects throughout, so a lab is found by identity in `labs`.
  const pinned = requested === undefined ? undefined : labs.find((lab) => lab.id === findLab(requested).id);
  const poll = process.env.FDLAB_WATCH_POLL === '1';
  const intervalMs = Number(process.env.FDLAB_WATCH_INTERVAL_MS) || 1000;
  // A screen of our own on a terminal; the check's own output elsewhere.
  const screen = process.stdout.isTTY === true;
  const withKeys = screen && process.stdin.isTTY === true;
  const clears = screen && colourEnabled(process.stdout);

  const first = pinned ?? labBeingWorkedOn(labs);
  if (first === undefined) {
    process.stdout.write('Every lab passes: there is nothing to watch. make status shows them all.\n');
    return Promise.resolve(0);
  }

  return new Promise((resolve) => {
    let current: Lab = first;
    let changes: FileChanges | undefined;
    let keys: Keys | undefined;
    let settle: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    /** Check again as soon as the running check ends (a save, r or n came while it ran). */
    let again = false;
    /** A line for the top of the next run's screen (the lab that just passed). */
    let carried = '';
    let lastRun = '';
    let runs = 0;
    let stopping = false;

    const paths = (): string[] => current.files.map((file) => join(root, labFile('labs', current, file)));
    const shownFiles = (): string => current.files.map((file) => labFile('labs', current, file)).join(', ');
    const say = (text: string): void => void process.stdout.write(`${text}\n`);

    // Ctrl-C (the key, or SIGINT) or SIGTERM stops watching; a check still
    // running ends with its own verdict first: while our handlers are here,
    // the check runner leaves the signal to us (kit/run-check.ts). A second
    // one takes them away and raises the signal again, so the runner ends
    // the check at once, or Node's default ends us.
    const quit = (signal: 'SIGINT' | 'SIGTERM'): void => {
      if (stopping) {
        keys?.close();
        removeHandlers();
        process.kill(process.pid, signal);
        return;
      }
      say(`\nfdlab watch: stopping${running === undefined ? '' : ' once the running check ends (Ctrl-C again stops it now)'}.`);
      stop(0);
    };
    const onSigint = (): void => quit('SIGINT');
    const onSigterm = (): void => quit('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    function removeHandlers(): void {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    }
    function stop(code: number): void {
      stopping = true;
      clearTimeout(settle);
      changes?.close();
      void (running ?? Promise.resolve()).then(() => {
        keys?.close();
        removeHandlers();
        resolve(code);
      });
    }

    /** Runs the lab now, or as soon as the running check ends (saying so once). */
    const request = (): void => {
      if (running === undefined) {
        runNow();
        return;
      }
      if (!again) say(p.dim(`fdlab watch: lab ${current.id} will be checked as soon as the running check ends.`));
      again = true;
    };

    const onChange = (): void => {
      if (stopping || signature(paths()) === lastRun) return;
      if (running !== undefined) {
        request();
        return;
      }
      clearTimeout(settle);
      settle = setTimeout(runNow, SETTLE_MS);
    };

    const watchLab = (): void => {
      changes?.close();
      changes = new FileChanges(paths(), onChange, poll, intervalMs);
    };

    const footer = (): void => {
      const watching = `\n${p.dim('fdlab watch:')} watching ${shownFiles()} (${changes!.how}).\n`;
      if (withKeys) {
        const keyList = [['h', 'hint'], ['r', 'rerun'], ['n', 'next lab'], ['l', 'list'], ['q', 'quit']]
          .map(([key, what]) => `${p.bold(key!)} ${what}`)
          .join(p.colour ? ' · ' : ', ');
        process.stdout.write(
          `${watching}Save to check lab ${current.id} again. Keys: ${keyList}.\n` +
            `If saving does not rerun it, press r (make doctor says why saves go unseen).\n`,
        );
        return;
      }
      process.stdout.write(
        `${watching}Save to check lab ${current.id} again; Ctrl-C stops. ` +
          `If saving does not rerun it, run the check by hand: make lab-${current.id} (make doctor says why).\n`,
      );
    };

    const moveTo = (lab: Lab): void => {
      current = lab;
      lastRun = '';
      watchLab();
    };

    const afterRun = (lab: Lab, result: CheckResult | undefined): void => {
      if (stopping) return;
      if (screen && result !== undefined) say(`\n${renderResult(result, lab, p, savedLast(paths()))}`);
      if (lab === current && isPassing(result) && pinned === undefined) {
        const next = nextToWorkOn(labs, current);
        if (next === undefined) {
          say(`\n${p.good('Every lab passes.')} Well done. See it all at work: make demo, then make trace.`);
          stop(0);
          return;
        }
        carried = `${p.good(`lab ${current.id} passes.`)} On to lab ${next.id}: read labs/${next.folder}/README.md (make compare-${current.id} shows yours beside the solution)`;
        if (!screen) say(`\n${carried}`);
        moveTo(next);
        again = false;
        runNow();
        return;
      }
      if (again || signature(paths()) !== lastRun) {
        again = false;
        runNow();
        return;
      }
      footer();
    };

    function runNow(): void {
      if (stopping || running !== undefined) return;
      clearTimeout(settle);
      if (!existsSync(checkFile(current))) {
        process.stderr.write(`fdlab: lab ${current.id} has no check yet (${checkFile(current)}).\n`);
        stop(1);
        return;
      }
      const lab = current;
      lastRun = signature(paths());
      runs += 1;
      if (clears) process.stdout.write('\x1b[2J\x1b[H');
      if (screen && carried !== '') say(carried);
      carried = '';
      const time = new Date().toTimeString().slice(0, 8);
      say(p.bold(`fdlab watch: lab ${lab.id}, ${lab.title} (run ${runs}, ${time})`));
      if (screen) say(p.dim('checking...'));
      running = runCheck(lab, 'labs', { quiet: screen }).then(
        (result) => {
          running = undefined;
          afterRun(lab, result);
        },
        (error: unknown) => {
          running = undefined;
          process.stderr.write(`fdlab: ${error instanceof Error ? error.message : String(error)}\n`);
          afterRun(lab, undefined);
        },
      );
    }

    const onKey = (name: string): void => {
      try {
        act(name);
      } catch (error) {
        // A key's action failing (a hint file it cannot write) is reported, and watching goes on.
        process.stderr.write(`fdlab: ${error instanceof Error ? error.message : String(error)}\n`);
      }
    };

    const act = (name: string): void => {
      if (name === 'q' || name === 'ctrl-c') {
        quit('SIGINT');
        return;
      }
      if (stopping) return;
      switch (name) {
        case 'h':
          say('');
          hintCommand(current.id, undefined, 'watch');
          return;
        case 'r':
          request();
          return;
        case 'n': {
          const next = labs[labs.indexOf(current) + 1];
          if (next === undefined) {
            say(`\nlab ${current.id} is the last lab.`);
            return;
          }
          say(`\nOn to lab ${next.id}: read labs/${next.folder}/README.md`);
          moveTo(next);
          request();
          return;
        }
        case 'l':
          say(`\n${statusTable(p)}\n`);
          return;
        default:
          return;
      }
    };

    watchLab();
    if (withKeys) keys = new Keys(onKey);
    runNow();
  });
}
