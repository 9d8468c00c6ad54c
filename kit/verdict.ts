// kit/verdict.ts: what a lab check came to, as the kit decides it (never
// the check process: it may have exited, crashed, hung or lost its output).
// One of five kinds; `make lab-N`, `make status` and `make watch` read the
// kind, never a message string.
//
// See: signal(7) (the signals a crash names), proc(5) (what `hung` reads).

/** A place in the learner's code: a file the compiler or a stack named. */
export interface Diagnostic {
  /** From the project root, e.g. labs/09-handoff/handoff.ts. */
  file: string;
  line?: number;
  column?: number;
  message: string;
}

/** The lab function that was running when the process crashed (the native frame's crash marker, or a TS stack). */
export interface LabCode {
  function: string;
  file: string;
  line?: number;
}

/**
 * Which code was running at a crash: a lab function, code that is not a
 * lab's (Node, the kit, the check's own TypeScript), or nobody said.
 */
export type CrashSite = LabCode | 'outside-lab' | 'unknown';

/** One process of a stopped check, as /proc showed it when the deadline passed. */
export interface ProcessActivity {
  pid: number;
  /** The check process itself (the learner's lab code runs in it), or a process it started. */
  role: 'check' | 'child';
  /** Its command line, shortened. */
  command: string;
  state: 'spinning' | 'asleep' | 'stopped' | 'zombie' | 'other';
  /** The system call it was asleep in, e.g. recvmsg (from /proc/PID/syscall). */
  syscall?: string;
  /** The kernel function it was asleep in (/proc/PID/wchan), when the syscall is not readable. */
  wchan?: string;
  /** Its open fds and its limit on them, when it was at the limit (EMFILE). */
  fds?: { open: number; limit: number };
}

export type Verdict =
  | { kind: 'passed' }
  | { kind: 'failed' }
  | { kind: 'compile-error'; language: 'c++' | 'typescript'; diagnostics: Diagnostic[] }
  | {
      kind: 'crashed';
      /** The signal that ended the check process, or null when it exited. */
      signal: string | null;
      /** Its exit code when it exited (exit(), process.exit()). */
      exitCode: number | null;
      where: CrashSite;
      /** The test that was running (full title), or null before the first. */
      test: string | null;
      /** The last lines it wrote to stderr, each cut short. */
      stderr: string[];
    }
  | {
      kind: 'hung';
      test: string | null;
      /** How long the check ran before the kit stopped it. */
      afterMs: number;
      doing: ProcessActivity[];
    };

export type VerdictKind = Verdict['kind'];

const KINDS: readonly VerdictKind[] = ['passed', 'failed', 'compile-error', 'crashed', 'hung'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** True when `value` is a Verdict as the kit writes it (checked field by field: .fdlab/ is a file anyone can edit). */
export function isVerdict(value: unknown): value is Verdict {
  if (!isObject(value) || !KINDS.includes(value.kind as VerdictKind)) return false;
  switch (value.kind as VerdictKind) {
    case 'passed':
    case 'failed':
      return true;
    case 'compile-error':
      return (value.language === 'c++' || value.language === 'typescript') && Array.isArray(value.diagnostics);
    case 'crashed':
      return (
        (value.signal === null || typeof value.signal === 'string') &&
        (value.exitCode === null || typeof value.exitCode === 'number') &&
        (value.where === 'outside-lab' || value.where === 'unknown' || (isObject(value.where) && typeof value.where.file === 'string')) &&
        (value.test === null || typeof value.test === 'string') &&
        Array.isArray(value.stderr)
      );
    case 'hung':
      return (value.test === null || typeof value.test === 'string') && typeof value.afterMs === 'number' && Array.isArray(value.doing);
  }
}

/** The verdict a result from before verdicts existed stands for: its counts say passed or failed. */
export function verdictFromCounts(passed: number, failed: number): Verdict {
  return failed === 0 && passed > 0 ? { kind: 'passed' } : { kind: 'failed' };
}
