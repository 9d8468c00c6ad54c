// kit/terminal.ts: how the kit writes to a terminal. Colour and Unicode
// only when the stream is a terminal and NO_COLOR is unset (no-color.org:
// set and not empty means no colour); piped into a file, a pager or CI, the
// output is plain text that reads the same.
//
// See: console_codes(4) (the SGR colour sequences), isatty(3).

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

function sgr(on: boolean, code: string): (text: string) => string {
  return on ? (text) => `\x1b[${code}m${text}\x1b[0m` : (text) => text;
}

export function paint(stream: Stream = process.stdout, env: NodeJS.ProcessEnv = process.env): Paint {
  const colour = colourEnabled(stream, env);
  return {
    colour,
    good: sgr(colour, '32'),
    bad: sgr(colour, '31'),
    warn: sgr(colour, '33'),
    dim: sgr(colour, '2'),
    bold: sgr(colour, '1'),
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
