// kit/freshness.ts: whether a lab's last result still holds. A result is
// about the code as it was when the check ran; it stops holding when the
// lab's own files or its check change after it, and when the code of a lab
// it runs on changes (the manifest's dependsOn: lab 5's demo runs on the
// learner's labs 1-4, so `make reset-3` or any edit there puts lab 5's pass
// in doubt). A change is a modification time later than the result's.
//
// See: stat(2) (st_mtime).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { checkFile, dependenciesOf, labFile, type Lab } from './manifest.ts';
import { root } from './paths.ts';

/** The newest modification time of `paths` (0 when none exists: a missing file is not an edit). */
function newest(paths: readonly string[]): number {
  let time = 0;
  for (const path of paths) {
    try {
      time = Math.max(time, statSync(path).mtimeMs);
    } catch {
      // a missing file is not an edit
    }
  }
  return time;
}

/** The lab's own files in labs/, as absolute paths. */
export function labPaths(lab: Lab): string[] {
  return lab.files.map((file) => join(root, labFile('labs', lab, file)));
}

/** True when the lab's files or its check changed after `at` (an ISO time). */
export function changedSince(lab: Lab, at: string): boolean {
  return newest([...labPaths(lab), checkFile(lab)]) > Date.parse(at);
}

/** The labs `lab` runs on whose files changed after `at`: each one puts the result in doubt. */
export function changedDependencies(lab: Lab, labs: readonly Lab[], at: string): Lab[] {
  const since = Date.parse(at);
  return dependenciesOf(lab, labs).filter((dependency) => newest(labPaths(dependency)) > since);
}
