// kit/terminal.ts: how the kit writes to a terminal. Colour and Unicode
// only when the stream is a terminal and NO_COLOR is unset (no-color.org:
// set and not empty means no colour); piped into a file, a pager or CI, the
// output is plain text that reads the same. The escape sequences come from
// Node's util.styleText; whether to use them is decided here, for the
// stream being written (styleText's own check looks only at stdout).
//
// See: console_codes(4) (the SGR colour sequences), isatty(3).
import { styleText } from 'node:util';

type Stream = { isTTY?: boolean };

/** True when `stream` is a terminal that wants colour. */
export function colourEnabled(stream: Stream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export interface Paint {
  readonly colour: boolean;
  good(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

type Format = Parameters<typeof styleText>[0];

function style(on: boolean, format: Format): (text: string) => string {
  return on ? (text) => styleText(format, text, { validateStream: false }) : (text) => text;
}

export function paint(stream: Stream = process.stdout, env: NodeJS.ProcessEnv = process.env): Paint {
  const colour = colourEnabled(stream, env);
  return {
    colour,
    good: style(colour, 'green'),
    bad: style(colour, 'red'),
    warn: style(colour, 'yellow'),
    dim: style(colour, 'dim'),
    bold: style(colour, 'bold'),
  };
}

/** `[#####.....]`, or with Unicode blocks when colour is on. */
export function progressBar(done: number, total: number, width: number, p: Paint): string {
  const filled = total === 0 ? 0 : Math.round((done / total) * width);
  const [full, empty] = p.colour ? ['█', '░'] : ['#', '.'];
  return `[${p.good(full.repeat(filled))}${p.dim(empty.repeat(width - filled))}]`;
}

/** How long ago `iso` was, in words: "just now", "5 min ago", "3 h ago", "2 days ago". */
export function age(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (!Number.isFinite(seconds)) return 'unknown';
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86_400);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** Pads to `width` columns, or cuts with an ellipsis (… or ...) when longer. */
export function fit(text: string, width: number, p: Paint): string {
  if (text.length <= width) return text.padEnd(width);
  const ellipsis = p.colour ? '…' : '...';
  return `${text.slice(0, Math.max(0, width - ellipsis.length))}${ellipsis}`;
}
