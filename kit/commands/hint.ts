// kit/commands/hint.ts: `make hint-N` shows lab N's next hint level and
// remembers it; `make hint-N LEVEL=k` re-reads level k. Levels go from a
// nudge, through the syscall and its flags, to a near-solution.
import { findLab } from '../manifest.ts';
import { hintLevels, saveHintLevel } from '../state.ts';

export function hintCommand(id: number, level?: number): number {
  const lab = findLab(id);
  const count = lab.hints.length;
  if (count === 0) {
    process.stdout.write(`lab ${id} has no hints yet.\n`);
    return 1;
  }
  const reached = hintLevels()[String(id)] ?? 0;
  const show = level ?? Math.min(reached + 1, count);
  if (!Number.isInteger(show) || show < 1 || show > count) {
    process.stderr.write(`lab ${id} has hint levels 1 to ${count}; LEVEL=${level} is not one of them.\n`);
    return 2;
  }
  if (show > reached) saveHintLevel(id, show);
  process.stdout.write(`lab ${id}, ${lab.title}: hint ${show} of ${count}\n\n${lab.hints[show - 1]}\n\n`);
  process.stdout.write(
    show < count
      ? `Still stuck? \`make hint-${id}\` again shows hint ${show + 1}.\n`
      : `That was the last hint. \`make hint-${id} LEVEL=k\` re-reads level k.\n`,
  );
  return 0;
}
