// bench/stats.ts: summaries and terminal output for the benchmarks:
// medians and ranges, the units people read (µs, KiB), plain tables, and a
// log-scale bar chart. No timing decides anything here: the benchmarks
// print and explain, they never fail on a number.
//
// Medians, not means: on a shared machine a run is sometimes slowed by
// something else, never sped up, so the middle run is the honest one and
// min-max shows the noise.

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(values: readonly number[]): Summary {
  return { n: values.length, median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** A duration in nanoseconds, in the unit that keeps it readable. */
export function formatNs(ns: number): string {
  if (!Number.isFinite(ns)) return '-';
  if (ns < 1e3) return `${ns.toFixed(0)} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toPrecision(3)} µs`;
  if (ns < 1e9) return `${(ns / 1e6).toPrecision(3)} ms`;
  return `${(ns / 1e9).toPrecision(3)} s`;
}

export function formatRange(s: Summary): string {
  return `${formatNs(s.min)} - ${formatNs(s.max)}`;
}

/** A size in bytes as 4 KiB, 16 MiB ... (exact for the powers of two used here). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toPrecision(3)} ${units[unit]}`;
}

export function formatRatio(ratio: number): string {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : '-';
}

/** A plain text table; columns whose header starts with a space are right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.trim().length, ...rows.map((r) => (r[i] ?? '').length)));
  const right = headers.map((h) => h.startsWith(' '));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.trim())), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** 10^d nanoseconds as 1µs, 10µs, 100µs, 1ms ... */
function decadeLabel(d: number): string {
  const units = ['ns', 'µs', 'ms', 's'];
  const unit = Math.min(units.length - 1, Math.max(0, Math.floor(d / 3)));
  return `${10 ** (d - unit * 3)}${units[unit]}`;
}

export interface ChartRow {
  label: string;
  series: { name: string; ns: number }[];
}

/**
 * Horizontal bars on a log scale, one decade per `perDecade` columns: on a
 * linear scale a 14 µs handover and a 100 ms copy could not share a chart.
 */
export function logChart(rows: readonly ChartRow[], perDecade = 8): string {
  const all = rows.flatMap((r) => r.series.map((s) => s.ns)).filter((ns) => ns > 0 && Number.isFinite(ns));
  if (all.length === 0) return '';
  // One decade of room below the shortest bar, so it still shows a length.
  const lo = Math.floor(Math.log10(Math.min(...all))) - 1;
  const hi = Math.ceil(Math.log10(Math.max(...all)));
  const width = (hi - lo) * perDecade;
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  const nameWidth = Math.max(...rows.flatMap((r) => r.series.map((s) => s.name.length)));
  const glyphs = ['█', '░', '▓', '▒'];
  const lines: string[] = [];
  for (const row of rows) {
    row.series.forEach((s, i) => {
      const columns = s.ns > 0 ? Math.max(1, Math.round((Math.log10(s.ns) - lo) * perDecade)) : 0;
      const label = i === 0 ? row.label.padStart(labelWidth) : ' '.repeat(labelWidth);
      lines.push(`${label} ${s.name.padEnd(nameWidth)} |${glyphs[i % glyphs.length]!.repeat(columns)} ${formatNs(s.ns)}`);
    });
  }
  // The axis: a tick and a label at each decade.
  const pad = ' '.repeat(labelWidth + nameWidth + 2);
  let ticks = '';
  let labels = '';
  for (let d = lo; d <= hi; d++) {
    const at = (d - lo) * perDecade;
    ticks = ticks.padEnd(at, '-') + '+';
    const text = decadeLabel(d);
    labels = labels.padEnd(at) + text;
  }
  lines.push(`${pad}${ticks.slice(0, width + 1)}`);
  lines.push(`${pad}${labels}`);
  return lines.join('\n');
}
