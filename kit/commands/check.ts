// kit/commands/check.ts: `make lab-N` (the learner's tree) and
// `make solution-N` (the finished one): run lab N's check and exit with its
// verdict (0 only when it passed).
import type { Tree } from '../../native/binding.ts';
import { findLab } from '../manifest.ts';
import { runCheck } from '../run-check.ts';

export async function checkCommand(tree: Tree, id: number): Promise<number> {
  const result = await runCheck(findLab(id), tree);
  return result.verdict.kind === 'passed' ? 0 : 1;
}
