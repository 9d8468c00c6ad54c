// kit/line-diff.ts: a unified diff of two texts, line by line, as diff -u
// prints it (hunks of changed lines with three lines of context, headed
// "@@ -a,b +c,d @@"). Small on purpose: the files compared are a lab's,
// a few hundred lines at most, so a longest-common-subsequence table over
// the lines that differ (the common start and end cut off first) is fast
// enough and plainly right. No git needed: `make compare-N` works in a
// copy without git.
//
// See: diff(1) (-u, the unified format).

export type DiffLine = { kind: ' ' | '-' | '+'; text: string };

export interface Hunk {
  /** The hunk's header: @@ -oldStart,oldCount +newStart,newCount @@ */
  header: string;
  lines: DiffLine[];
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Every line of both texts, in order, each kept (' '), removed ('-') or added ('+'). */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  // lcs[i * (m + 1) + j]: the longest common subsequence of a[start+i..endA) and b[start+j..endB).
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        a[start + i] === b[start + j]
          ? lcs[(i + 1) * (m + 1) + j + 1]! + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j]!, lcs[i * (m + 1) + j + 1]!);
    }
  }
  const out: DiffLine[] = a.slice(0, start).map((text) => ({ kind: ' ', text }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      out.push({ kind: ' ', text: a[start + i]! });
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i * (m + 1) + j + 1]! >= lcs[(i + 1) * (m + 1) + j]!)) {
      out.push({ kind: '+', text: b[start + j]! });
      j++;
    } else {
      out.push({ kind: '-', text: a[start + i]! });
      i++;
    }
  }
  for (const text of a.slice(endA)) out.push({ kind: ' ', text });
  return sortRemovalsFirst(out);
}

/** Within each run of changes, removed lines before added ones, as diff -u prints them. */
function sortRemovalsFirst(lines: DiffLine[]): DiffLine[] {
  const out: DiffLine[] = [];
  let run: DiffLine[] = [];
  const flush = (): void => {
    out.push(...run.filter((line) => line.kind === '-'), ...run.filter((line) => line.kind === '+'));
    run = [];
  };
  for (const line of lines) {
    if (line.kind === ' ') {
      flush();
      out.push(line);
    } else {
      run.push(line);
    }
  }
  flush();
  return out;
}

/** "a,b", or "a" when the range is one line long (diff -u's form). */
function range(start: number, count: number): string {
  const first = count === 0 ? start : start + 1;
  return count === 1 ? `${first}` : `${first},${count}`;
}

/** The changes as unified-diff hunks with `context` unchanged lines around each; [] when the texts are equal. */
export function unifiedHunks(before: string, after: string, context = 3): Hunk[] {
  const lines = diffLines(before, after);
  const changed = lines.flatMap((line, index) => (line.kind === ' ' ? [] : [index]));
  const hunks: Hunk[] = [];
  let k = 0;
  while (k < changed.length) {
    const first = Math.max(0, changed[k]! - context);
    let last = changed[k]!;
    while (k + 1 < changed.length && changed[k + 1]! - last <= 2 * context + 1) last = changed[++k]!;
    k++;
    const end = Math.min(lines.length, last + context + 1);
    const before = lines.slice(0, first);
    const oldStart = before.filter((line) => line.kind !== '+').length;
    const newStart = before.filter((line) => line.kind !== '-').length;
    const body = lines.slice(first, end);
    const oldCount = body.filter((line) => line.kind !== '+').length;
    const newCount = body.filter((line) => line.kind !== '-').length;
    hunks.push({ header: `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@`, lines: body });
  }
  return hunks;
}
