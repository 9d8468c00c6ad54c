// kit/build-diagnostics.ts: the compiler's output as typed diagnostics
// (file, line, column, message) with project paths, and the short forms the
// kit prints: the compiler's own error lines, and one line per warning.
//
// See: gcc(1) (-fdiagnostics-format; the default text format parsed here).
import { relative, resolve } from 'node:path';

/** One compiler (or linker) message about a file, paths from the project root. */
export interface Diagnostic {
  /** e.g. labs/03-sendmsg/sendmsg.cc; absolute for files outside the project (system headers). */
  file: string;
  /** 1-based; absent when the tool gives no line (a link error). */
  line?: number;
  column?: number;
  severity: 'error' | 'warning';
  message: string;
}

/** How many of the learner's warnings are shown after a build. */
const WARNINGS_SHOWN = 10;
const DIAGNOSTIC = /^(.+?):(\d+):(\d+): (fatal error|error|warning): (.*)$/;
const INLINED_AT = /inlined from .* at (.+?):(\d+):(\d+)[:,]?$/;

/**
 * The compiler's errors and warnings, paths made relative to root (the
 * compiler prints them relative to buildDir). A warning gcc reports inside a
 * system header (memcpy's own, once inlined) is placed where the code under
 * ownPrefix (e.g. 'labs/') called it, from the "inlined from ... at
 * file:line" lines before it.
 */
export function parseDiagnostics(output: string, root: string, buildDir: string, ownPrefix: string): Diagnostic[] {
  const projectPath = (printed: string): string => {
    const absolute = resolve(buildDir, printed);
    const fromRoot = relative(root, absolute);
    return fromRoot.startsWith('..') ? absolute : fromRoot;
  };
  const found: Diagnostic[] = [];
  let inlinedAt: { file: string; line: number; column: number } | undefined;
  for (const line of output.split('\n')) {
    const inlined = INLINED_AT.exec(line);
    if (inlined !== null) {
      const file = projectPath(inlined[1]!);
      if (inlinedAt === undefined && file.startsWith(ownPrefix)) inlinedAt = { file, line: Number(inlined[2]), column: Number(inlined[3]) };
      continue;
    }
    const match = DIAGNOSTIC.exec(line);
    if (match === null) continue;
    let at = { file: projectPath(match[1]!), line: Number(match[2]), column: Number(match[3]) };
    if (!at.file.startsWith(ownPrefix) && inlinedAt !== undefined) at = inlinedAt;
    inlinedAt = undefined;
    found.push({ ...at, severity: match[4] === 'warning' ? 'warning' : 'error', message: match[5]! });
  }
  return found;
}

/** The compiler's own lines for its errors (and their source excerpts), with project paths. */
export function compilerLines(output: string, root: string): string {
  return output
    .split('\n')
    .filter((line) => /(error|warning|note):|^\s+\d+ \||^\s+\|/.test(line) && !line.startsWith('gyp'))
    .map((line) => line.replace(/(?:\.\.\/)+((?:labs|solutions|native)\/)/g, '$1').replaceAll(root, ''))
    .join('\n');
}

/** file:line:column, as far as known. */
export function location(d: Diagnostic): string {
  return `${d.file}${d.line !== undefined ? `:${d.line}` : ''}${d.column !== undefined ? `:${d.column}` : ''}`;
}

/** The learner's warnings, one short line each, at most ten; '' when there are none. */
export function warningText(warnings: Diagnostic[]): string {
  if (warnings.length === 0) return '';
  const shown = warnings
    .slice(0, WARNINGS_SHOWN)
    .map((w) => `  ${location(w)}: ${w.message.length > 160 ? `${w.message.slice(0, 157)}...` : w.message}`);
  const more = warnings.length > WARNINGS_SHOWN ? `\n  (and ${warnings.length - WARNINGS_SHOWN} more)` : '';
  return `fdlab: the compiler warns about your C++ (it built; a warning is often a bug):\n${shown.join('\n')}${more}\n`;
}
