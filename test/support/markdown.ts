// The lessons (labs/*/README.md) and README.md as the kit's tests read them:
// their fenced code blocks and the inline code spans of their prose, each
// with its line, for a test to say where a problem is. CommonMark's rules
// (https://spec.commonmark.org/, "Fenced code blocks" and "Code spans"),
// only as far as these files use them: ``` or ~~~ fences, single-backtick spans.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../../kit/paths.ts';

export interface FencedBlock {
  /** The info string's first word, e.g. `sh` or `mermaid` ('' for none). */
  lang: string;
  body: string;
  /** The 1-based line of the block's first body line. */
  line: number;
}

export interface CodeSpan {
  code: string;
  line: number;
  /** The prose of the span's sentence before it, its code spans dropped. */
  before: string;
}

/** Every lesson and README.md, relative to the project root. */
export function lessonFiles(): string[] {
  const lessons = readdirSync(join(root, 'labs'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && /^\d+-/.test(entry.name))
    .map((entry) => `labs/${entry.name}/README.md`)
    .sort();
  return [...lessons, 'README.md'];
}

export function readLesson(file: string): string {
  return readFileSync(join(root, file), 'utf8');
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)/;

/** The fenced code blocks, in order. An unclosed fence runs to the end, as CommonMark says. */
export function fencedBlocks(markdown: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let open: { fence: string; lang: string; line: number; lines: string[] } | undefined;
  markdown.split('\n').forEach((text, i) => {
    if (open === undefined) {
      const start = FENCE.exec(text);
      if (start !== null) open = { fence: start[1]!, lang: start[2]!.toLowerCase(), line: i + 2, lines: [] };
      return;
    }
    const close = new RegExp(`^ {0,3}${open.fence[0]}{${open.fence.length},}\\s*$`);
    if (close.test(text)) {
      blocks.push({ lang: open.lang, body: open.lines.join('\n'), line: open.line });
      open = undefined;
    } else {
      open.lines.push(text);
    }
  });
  if (open !== undefined) blocks.push({ lang: open.lang, body: open.lines.join('\n'), line: open.line });
  return blocks;
}

/**
 * The inline code spans of the prose (outside fenced blocks); a span may run
 * over a line break, which reads as a space. A blank line, a fence, a
 * heading, a list item or a table row starts a new paragraph; `.`, `!` or
 * `?` before a space ends a sentence.
 */
export function codeSpans(markdown: string): CodeSpan[] {
  const spans: CodeSpan[] = [];
  let paragraph: { line: number; lines: string[] } | undefined;
  const flush = (): void => {
    if (paragraph !== undefined) spans.push(...spansOf(paragraph.lines.join('\n'), paragraph.line));
    paragraph = undefined;
  };
  let inFence: string | undefined;
  markdown.split('\n').forEach((text, i) => {
    const fence = FENCE.exec(text);
    if (inFence !== undefined) {
      if (fence !== null && fence[1]![0] === inFence[0] && fence[1]!.length >= inFence.length && fence[2] === '') inFence = undefined;
      return;
    }
    if (fence !== null || /^\s*$|^\s*([-*+]|\d+\.)\s|^\s*#|^\s*\|/.test(text)) flush();
    if (fence !== null) {
      inFence = fence[1]!;
      return;
    }
    if (/^\s*$/.test(text)) return;
    (paragraph ??= { line: i + 1, lines: [] }).lines.push(text);
  });
  flush();
  return spans;
}

function spansOf(paragraph: string, firstLine: number): CodeSpan[] {
  const spans: CodeSpan[] = [];
  const parts = paragraph.split('`');
  let sentence = '';
  let line = firstLine;
  parts.forEach((part, k) => {
    // An odd part is a span, unless it is the last: an unmatched backtick is text.
    if (k % 2 === 1 && k < parts.length - 1) {
      spans.push({ code: part.replace(/\n/g, ' ').trim(), line, before: sentence.replace(/\s+/g, ' ').trim() });
    } else {
      const ends = part.split(/(?<=[.!?])\s/);
      sentence = ends.length > 1 ? ends.at(-1)! : `${sentence} ${part}`;
    }
    line += part.split('\n').length - 1;
  });
  return spans;
}
