// kit/type-check.ts: the TypeScript type check of a lab's own files, started
// beside the check (kit/type-check-process.cjs, a process of its own, since
// a type check takes seconds of CPU); `make lab-N` reports what it finds.
//
// Answers are kept in node_modules/.cache/fdlab-type-check/, one file per
// set of lab files and contents, with the content of every project file
// the compiler read for them. A kept answer is used only while all of those
// files are byte for byte the same (and the compiler, its options and the
// installed types, through tsconfig.json and package-lock.json): an
// unchanged lab is not checked twice, and a change anywhere it reaches is.
// node_modules is the place because it is the installed toolchain's (npm ci
// starts it afresh) and git ignores it.
//
// See: sha256 in node:crypto; rename(2) (an answer is written in one step).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './paths.ts';
import type { Diagnostic } from './verdict.ts';

export interface TypeCheck {
  /** The type errors, or undefined when the type check could not finish (stopped, or failed itself). */
  readonly result: Promise<Diagnostic[] | undefined>;
  /** True when the answer is a kept one: no type-check process was started. */
  readonly kept: boolean;
  stop(): void;
}

/** What the type-check process answers. */
interface Answer {
  diagnostics: Diagnostic[];
  /** Every project file the compiler read, from the project root. */
  programFiles: string[];
}

/** A kept answer: the files it depended on, with their hashes. */
interface Kept {
  inputs: Record<string, string>;
  diagnostics: Diagnostic[];
}

const cacheDir = join(root, 'node_modules', '.cache', 'fdlab-type-check');
/** What every answer depends on besides the program's files. */
const TOOLCHAIN = ['tsconfig.json', 'package-lock.json', 'kit/type-check-process.cjs'];

function hashOf(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(join(root, file))).digest('hex');
  } catch {
    return 'absent';
  }
}

function keyOf(files: readonly string[]): string {
  const hash = createHash('sha256');
  for (const file of [...TOOLCHAIN, ...files]) hash.update(`${file}\0${hashOf(file)}\0`);
  return hash.digest('hex');
}

function keptAnswer(key: string): Diagnostic[] | undefined {
  let kept: Kept;
  try {
    kept = JSON.parse(readFileSync(join(cacheDir, `${key}.json`), 'utf8')) as Kept;
  } catch {
    return undefined; // none yet, or not readable: check
  }
  const same = Object.entries(kept.inputs).every(([file, hash]) => hashOf(file) === hash);
  return same && Array.isArray(kept.diagnostics) ? kept.diagnostics : undefined;
}

function keep(key: string, answer: Answer): void {
  const kept: Kept = { inputs: Object.fromEntries(answer.programFiles.map((file) => [file, hashOf(file)])), diagnostics: answer.diagnostics };
  const file = join(cacheDir, `${key}.json`);
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(temporary, JSON.stringify(kept));
    renameSync(temporary, file);
  } catch {
    rmSync(temporary, { force: true }); // a cache that cannot be written only costs time
  }
}

/** Starts the type check of `files` (paths from the project root), or answers at once from the cache. */
export function startTypeCheck(files: readonly string[]): TypeCheck {
  const key = keyOf(files);
  const kept = keptAnswer(key);
  if (kept !== undefined) return { result: Promise.resolve(kept), kept: true, stop: () => {} };

  const child = spawn(process.execPath, [join(root, 'kit', 'type-check-process.cjs'), ...files], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  const result = new Promise<Diagnostic[] | undefined>((resolve) => {
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      let answer: Answer;
      try {
        answer = JSON.parse(output) as Answer;
      } catch {
        resolve(undefined);
        return;
      }
      if (code !== 0 || !Array.isArray(answer.diagnostics) || !Array.isArray(answer.programFiles)) {
        resolve(undefined);
        return;
      }
      // Kept only if the lab's files did not change while it ran.
      if (keyOf(files) === key) keep(key, answer);
      resolve(answer.diagnostics);
    });
  });
  return {
    result,
    kept: false,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
