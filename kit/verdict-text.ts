// kit/verdict-text.ts: a check's verdict in the learner's words, printed by
// the kit after the check process and everything it started are gone. The
// last two lines never change form: "Stuck? make hint-N" when the lab is not
// passing, then "N passed, N failed" (CI and make watch look for it).
import type { Tree } from '../native/binding.ts';
import { labFile, type Lab } from './manifest.ts';
import type { CheckResult } from './state.ts';
import type { Paint } from './terminal.ts';
import type { CrashSite, Diagnostic, ProcessActivity, Verdict } from './verdict.ts';

/** What each signal most often means in a lab. */
const SIGNAL_HINTS: Record<string, string> = {
  SIGSEGV: 'a bad pointer or a buffer overrun?',
  SIGBUS: 'a bad pointer or a buffer overrun?',
  SIGFPE: 'a division by zero?',
  SIGILL: 'a function that returns nothing where it must return a value, or memory overwritten?',
  SIGABRT: 'abort(): a failed assertion, or a C++ exception that nothing caught?',
  SIGPIPE: 'a write to a pipe or socket whose other end was closed, with SIGPIPE not ignored',
  SIGKILL: 'killed from outside the check: often the kernel, out of memory',
  SIGHUP: 'hung up: the check took a terminal as its controlling terminal (a tty opened without O_NOCTTY?), and it closed',
};

/** What a process asleep in each system call is waiting for. */
const SLEEP_HINTS: Record<string, string> = {
  read: 'waiting for data that never came (the wrong fd, or nobody writes to the other end?)',
  recvmsg: 'waiting for a message that never came (the wrong fd, or nobody sends on the other end?)',
  recvfrom: 'waiting for data that never came (the wrong fd, or nobody writes to the other end?)',
  accept: 'waiting for a connection that never came',
  accept4: 'waiting for a connection that never came',
  connect: 'waiting for a connection to be accepted',
  write: 'waiting to write: the other end is full and nobody reads it',
  sendmsg: 'waiting to send: the other end is full and nobody reads it',
  wait4: 'waiting for a child process to exit',
  waitid: 'waiting for a child process to exit',
  nanosleep: 'sleeping',
  clock_nanosleep: 'sleeping',
  futex: 'waiting on a lock or another thread',
  epoll_wait: 'idle in the event loop: waiting for something that never happened (an await that never resolves?)',
  epoll_pwait: 'idle in the event loop: waiting for something that never happened (an await that never resolves?)',
  epoll_pwait2: 'idle in the event loop: waiting for something that never happened (an await that never resolves?)',
  poll: 'waiting for an fd to be ready',
  ppoll: 'waiting for an fd to be ready',
};

export function labFiles(tree: Tree, lab: Lab): string {
  return lab.files.map((file) => labFile(tree, lab, file)).join(', ');
}

function located(d: Diagnostic): string {
  const at = [d.file, d.line, d.column].filter((part) => part !== undefined && part !== '').join(':');
  return at === '' ? d.message : `${at}: ${d.message}`;
}

/** "«title»", or what was happening before any test began. */
function testName(test: string | null): string {
  return test === null ? 'while loading the check and your files, before any test' : `in test «${test}»`;
}

function siteText(where: CrashSite, signal: string, lab: Lab, tree: Tree): string {
  const hint = SIGNAL_HINTS[signal] ?? '';
  if (typeof where === 'object') {
    const at = where.line === undefined ? where.file : `${where.file}:${where.line}`;
    return `your ${where.function} in ${at} crashed with ${signal}${hint === '' ? '' : ` (${hint})`}`;
  }
  if (where === 'outside-lab') {
    return (
      `the check process died with ${signal} while running TypeScript, not your C++` +
      (signal === 'SIGABRT'
        ? ': Node aborts like this when an fd it owns is closed under it (did your TypeScript close an fd it did not open?)'
        : hint === ''
          ? ''
          : ` (${hint})`)
    );
  }
  if (!lab.native) {
    return (
      `the check process died with ${signal}; this lab has no C++, so it happened in TypeScript or in Node` +
      (signal === 'SIGABRT' ? ': Node aborts like this when an fd it owns is closed under it (did your code close an fd it did not open?)' : '')
    );
  }
  return (
    `the check process died with ${signal}; which code was running is not known (no crash note came from the native frame): ` +
    `your C++ in ${labFiles(tree, lab)} is the likeliest cause${hint === '' ? '' : ` (${hint})`}`
  );
}

function exitText(code: number | null, where: CrashSite, lab: Lab, tree: Tree): string {
  if (typeof where === 'object') {
    const at = where.line === undefined ? where.file : `${where.file}:${where.line}`;
    return `your code called process.exit(${code ?? ''}) in ${where.function} (${at}), which ended the check: a lab's code returns or throws, it never ends the process`;
  }
  const suspect = lab.native ? `exit() in your C++ (${labFiles(tree, lab)}), or process.exit() in TypeScript?` : 'process.exit() in your TypeScript?';
  return `the check process exited with code ${code} before the check finished (${suspect})`;
}

/** One line per process; children doing the same thing share one ("pids 12, 13 and 14 (sleep 600: ...)"). */
function activityLines(doing: readonly ProcessActivity[]): string[] {
  const shown = new Map<string, number[]>();
  for (const activity of doing) {
    const key = activity.role === 'check' ? `check ${activity.pid}` : activityText({ ...activity, pid: 0 });
    shown.set(key, [...(shown.get(key) ?? []), activity.pid]);
  }
  const lines: string[] = [];
  for (const [key, pids] of shown) {
    const first = doing.find((activity) => activity.pid === pids[0])!;
    if (key.startsWith('check ') || pids.length === 1) lines.push(activityText(first));
    else lines.push(activityText(first).replace(`pid ${first.pid} (`, `${pids.length} processes, pids ${pids.slice(0, 5).join(', ')}${pids.length > 5 ? ', ...' : ''} (`));
  }
  return lines.slice(0, 8).concat(lines.length > 8 ? [`(and ${lines.length - 8} more)`] : []);
}

function activityText(p: ProcessActivity): string {
  const fds = p.fds === undefined ? '' : `; it had ${p.fds.open} fds open, its limit (EMFILE: fds opened and never closed?)`;
  return activityState(p) + fds;
}

function activityState(p: ProcessActivity): string {
  const who = p.role === 'check' ? `the check process (pid ${p.pid}, where your lab code runs)` : `pid ${p.pid} (${p.command}: a child your code started?)`;
  switch (p.state) {
    case 'spinning':
      return `${who} was spinning on the CPU (a loop that never ends?)`;
    case 'asleep': {
      if (p.syscall !== undefined) {
        const hint = SLEEP_HINTS[p.syscall];
        return `${who} was asleep in ${p.syscall}(2)${hint === undefined ? '' : `: ${hint}`}`;
      }
      return `${who} was asleep${p.wchan === undefined ? '' : ` in the kernel's ${p.wchan}`}`;
    }
    case 'stopped':
      return `${who} was stopped (SIGSTOP, or a debugger?)`;
    case 'zombie':
      return `${who} had exited and was never reaped (a zombie: nobody waited for it)`;
    case 'other':
      return `${who} was in an unusual state`;
  }
}

/** The summary line that closes every check: "N passed, N failed[, N skipped]". */
export function summaryLine(result: CheckResult): string {
  return `${result.passed} passed, ${result.failed} failed${result.skipped > 0 ? `, ${result.skipped} skipped` : ''}`;
}

/** Every line the kit prints after a check, colour from `p`. */
export function verdictLines(lab: Lab, tree: Tree, result: CheckResult, p: Paint, notes: readonly string[] = []): string[] {
  const verdict: Verdict = result.verdict;
  const files = labFiles(tree, lab);
  const stuck = `Stuck? make hint-${lab.id}`;
  const lines: string[] = [...notes];
  switch (verdict.kind) {
    case 'passed':
      lines.push(p.good(`lab ${lab.id} passes against ${tree}/.${tree === 'labs' ? ` Well done. make compare-${lab.id} shows your files beside the solution's.` : ''}`));
      break;
    case 'failed':
      lines.push(p.bad(`lab ${lab.id}: ${result.failed} of ${result.passed + result.failed} checks failed.`) + ` Edit: ${files}`, stuck);
      break;
    case 'compile-error':
      if (verdict.language === 'typescript') {
        const which = [...new Set(verdict.diagnostics.map((d) => d.file).filter(Boolean))].join(', ') || files;
        lines.push(p.bad(`lab ${lab.id}: ${which} cannot be loaded, so no test ran. The compiler (esbuild, as tsx runs it) says:`));
        lines.push(...verdict.diagnostics.map((d) => `  ${located(d)}`));
        lines.push(`Fix the first error (file:line:column at the start of its line), then run make lab-${lab.id} again.`, stuck);
      } else {
        const blamed = [...new Set(verdict.diagnostics.map((d) => d.file).filter(Boolean))];
        const mine = blamed.some((file) => lab.files.some((f) => file === `${tree}/${lab.folder}/${f}`));
        const which = blamed.join(', ') || files;
        lines.push(
          p.bad(
            mine || blamed.length === 0
              ? `lab ${lab.id} cannot be checked until labs/ compiles (${which}).`
              : `lab ${lab.id} cannot be checked until labs/ builds: ${which} must build first (every lab's C++ goes into one addon).`,
          ),
          stuck,
        );
      }
      break;
    case 'crashed': {
      const what = verdict.signal !== null ? siteText(verdict.where, verdict.signal, lab, tree) : exitText(verdict.exitCode, verdict.where, lab, tree);
      lines.push(p.bad(`lab ${lab.id}: the check ended ${testName(verdict.test)}:`), `  ${what}.`);
      if (verdict.stderr.length > 0) lines.push('Its last lines on stderr:', ...verdict.stderr.map((line) => `  ${line}`));
      lines.push(`Edit: ${files}`, stuck);
      break;
    }
    case 'hung':
      lines.push(p.bad(`lab ${lab.id}: the check was stopped after ${Math.round(verdict.afterMs / 1000)} s ${testName(verdict.test)}:`));
      lines.push(...(verdict.doing.length > 0 ? activityLines(verdict.doing).map((line) => `  ${line}`) : ['  (its processes were gone before /proc could be read)']));
      lines.push(`Edit: ${files}`, stuck);
      break;
  }
  lines.push(summaryLine(result));
  return lines;
}

/** The failures, titles and messages, for when the check's own output was cut short. */
export function failureLines(result: CheckResult): string[] {
  return result.failures.flatMap((failure, i) => [`  ${i + 1}) ${failure.title}`, ...failure.message.split('\n').map((line) => `     ${line}`)]);
}
