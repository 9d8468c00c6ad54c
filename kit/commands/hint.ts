// kit/commands/hint.ts: `make hint-N` shows lab N's next hint level and
// remembers it; `make hint-N LEVEL=k` re-reads level k without losing the
// level reached. Levels go from a nudge, through the syscall and its flags,
// to a near-solution. `make watch` shows the next one on its h key.
import { findLab } from '../manifest.ts';
import { hintLevels, saveHintLevel } from '../state.ts';

/** Where the learner asks for hints: `make hint-N`, or the h key of `make watch`. */
export type HintAsker = 'make' | 'watch';

/**
 * The line after a hint: what asking again shows. The next hint is the one
 * after the highest level read, whichever level was just shown.
 */
export function nextHintPrompt(id: number, shown: number, reached: number, count: number, asker: HintAsker): string {
  const reread = `\`make hint-${id} LEVEL=k\` re-reads level k.`;
  if (reached >= count) {
    return shown === count ? `That was the last hint. ${reread}` : `You have read all ${count} hints. ${reread}`;
  }
  const ask = asker === 'make' ? `\`make hint-${id}\`` : 'h';
  const again = asker === 'make' ? `${ask} again shows` : `Press ${ask} again for`;
  if (shown === reached) return `Still stuck? ${again} hint ${reached + 1}.`;
  return asker === 'make'
    ? `You have read up to hint ${reached}: ${ask} shows hint ${reached + 1} next.`
    : `You have read up to hint ${reached}: press ${ask} for hint ${reached + 1}.`;
}

export function hintCommand(id: number, level?: number, asker: HintAsker = 'make'): number {
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
  process.stdout.write(`${nextHintPrompt(id, show, Math.max(reached, show), count, asker)}\n`);
  return 0;
}
