// kit/watch-screen.ts: what `make watch` shows of a check's result on a
// terminal, read from the typed result (never from the check's printed
// output). The failure the learner is working on comes first: real
// failures before "not written yet" ones, and among them those about the
// file saved last. The "not written yet" failures of a lab still mostly
// stubbed (lab 6 starts with 25) collapse to one line per function, so
// they cannot bury the failures that matter.

import type { Lab } from './manifest.ts';
import { labFile } from './manifest.ts';
import type { CheckResult } from './state.ts';
import type { Paint } from './terminal.ts';
import type { Verdict } from './verdict.ts';

type Failure = CheckResult['failures'][number];

/** How many failures are shown whole; the rest by title alone. */
const SHOWN_WHOLE = 3;

/**
 * The function a failure says is still a stub, or undefined when the
 * failure is a real one. The checks say so in the first line of their
 * message: "encodeFrame is not written yet (it throws ...)", "fdlab_sendmsg
 * is not written yet (it returns -1 with errno ENOSYS)". Of the names
 * before "is not written yet" on that line, the longest is the one the
 * stub itself gave (FrameDecoder.feed rather than feed). The one place
 * that reads a message for this: a typed "not written" reason in the result
 * replaces it.
 */
export function notWrittenYet(failure: Failure): string | undefined {
  const firstLine = failure.message.split('\n', 1)[0]!;
  const names = [...firstLine.matchAll(/(?<![\w$.])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*) is not written yet\b/g)].map((m) => m[1]!);
  if (names.length === 0) return undefined;
  return names.reduce((longest, name) => (name.length > longest.length ? name : longest));
}

/** The lab file a failure is about: the first of the lab's files its message names. */
function fileOf(failure: Failure, lab: Lab): string | undefined {
  return lab.files.map((file) => labFile('labs', lab, file)).find((path) => failure.message.includes(path));
}

export interface Sorted {
  /** Real failures, the ones about `savedLast` first, otherwise in the check's order. */
  real: Failure[];
  /** The stubbed functions, in the order first met, each with its file and how many checks wait on it. */
  notWritten: { name: string; file: string | undefined; checks: number }[];
}

export function sortFailures(failures: readonly Failure[], lab: Lab, savedLast?: string): Sorted {
  const real: Failure[] = [];
  const notWritten: Sorted['notWritten'] = [];
  for (const failure of failures) {
    const name = notWrittenYet(failure);
    if (name === undefined) {
      real.push(failure);
      continue;
    }
    const known = notWritten.find((entry) => entry.name === name);
    if (known === undefined) notWritten.push({ name, file: fileOf(failure, lab), checks: 1 });
    else known.checks += 1;
  }
  const aboutSaved = (failure: Failure): boolean => savedLast !== undefined && fileOf(failure, lab) === savedLast;
  real.sort((a, b) => Number(aboutSaved(b)) - Number(aboutSaved(a)));
  return { real, notWritten };
}

const indent = (text: string, by: string): string =>
  text
    .split('\n')
    .map((line) => (line === '' ? line : `${by}${line}`))
    .join('\n');

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The lines for a verdict that is not a list of failed tests: a compile error, a crash, a hang. */
function verdictLines(verdict: Verdict, p: Paint): string[] {
  switch (verdict.kind) {
    case 'compile-error':
      return [
        p.bad(`your ${verdict.language === 'c++' ? 'C++' : 'TypeScript'} does not compile:`),
        ...verdict.diagnostics.map((d) => `  ${[d.file, d.line, d.column].filter((part) => part !== undefined).join(':')}: ${d.message}`),
      ];
    case 'crashed': {
      const how = verdict.signal !== null ? `was killed by ${verdict.signal}` : `exited with code ${verdict.exitCode}`;
      const where = typeof verdict.where === 'object' ? ` in ${verdict.where.function} (${verdict.where.file})` : '';
      const test = verdict.test === null ? '' : `, during "${verdict.test}"`;
      return [p.bad(`the check ${how}${where}${test}.`), ...verdict.stderr.map((line) => p.dim(`  ${line}`))];
    }
    case 'hung': {
      const test = verdict.test === null ? '' : ` in "${verdict.test}"`;
      const doing = verdict.doing.map((d) => {
        const what = d.state === 'asleep' && (d.syscall ?? d.wchan) !== undefined ? `asleep in ${d.syscall ?? d.wchan}` : d.state;
        return `  ${d.role} ${d.pid} (${d.command}): ${what}`;
      });
      return [p.bad(`the check was stopped after ${Math.round(verdict.afterMs / 1000)} s${test}: it never finished.`), ...doing];
    }
    default:
      return [];
  }
}

/** The result as the watch screen shows it, below the run's header line. */
export function renderResult(result: CheckResult, lab: Lab, p: Paint, savedLast?: string): string {
  const files = lab.files.map((file) => labFile('labs', lab, file)).join(', ');
  if (result.verdict.kind === 'passed') {
    return `${p.good(`lab ${lab.id} passes.`)} make compare-${lab.id} shows your files beside the solution's.`;
  }
  const out: string[] = [];
  const special = verdictLines(result.verdict, p);
  if (special.length > 0) out.push(...special, '');
  const { real, notWritten } = sortFailures(result.failures, lab, savedLast);
  const total = result.passed + result.failed;
  if (result.failed > 0) out.push(p.bad(`lab ${lab.id}: ${result.failed} of ${plural(total, 'check')} failed.`), '');
  real.forEach((failure, i) => {
    if (i < SHOWN_WHOLE) out.push(`${i + 1}) ${p.bold(failure.title)}`, indent(failure.message, '   '), '');
    else out.push(`${i + 1}) ${failure.title}`);
  });
  if (real.length > SHOWN_WHOLE) out.push('');
  if (notWritten.length > 0) {
    const waiting = notWritten.reduce((sum, entry) => sum + entry.checks, 0);
    out.push(p.warn(`Not written yet (${plural(waiting, 'check')} wait on them):`));
    const nameWidth = Math.max(...notWritten.map((entry) => entry.name.length));
    const fileWidth = Math.max(...notWritten.map((entry) => (entry.file ?? '').length));
    for (const entry of notWritten) {
      out.push(`  ${entry.name.padEnd(nameWidth)}  ${(entry.file ?? '').padEnd(fileWidth)}  ${plural(entry.checks, 'check')}`);
    }
    out.push('');
  }
  out.push(`Edit: ${files}`);
  return out.join('\n');
}
