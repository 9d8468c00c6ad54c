// kit/state-files.ts: reading and writing the JSON files in .fdlab/ (hint
// levels, check results) when they may not be what the kit wrote: a file
// cut short by a full disk or a kill, edited by hand, or replaced by a
// `null`. A file that does not parse, or parses to the wrong shape, is set
// aside (renamed to <name>.corrupt-<time>, kept for a look) with a one-line
// note naming it, and the kit carries on as if it were not there. Nothing
// that reads state ever fails with a TypeError about it.
//
// Writes go to a temporary file that is then renamed over the old one:
// rename(2) replaces it in one step, so a reader never sees half a file.
//
// See: rename(2).
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { root } from './paths.ts';

/** A path as the learner would type it from the project root (absolute when outside it). */
export function shownPath(path: string): string {
  const inside = relative(root, path);
  return inside.startsWith('..') ? path : inside;
}

/** What a parsed value is, in a few words, for the note: "null", "a string", "an array". */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object of another shape';
  return `a ${typeof value}`;
}

/** Files already noted as unusable in this process: one that cannot be set aside is noted once, not at every read. */
const noted = new Set<string>();

function note(file: string, line: string): void {
  if (noted.has(file)) return;
  noted.add(file);
  process.stderr.write(`${line}\n`);
}

/** Renames `file` out of the way and says so, on stderr, in one line. */
function setAside(file: string, why: string): void {
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(file, aside);
    process.stderr.write(`fdlab: ${shownPath(file)} is not what the kit wrote (${why}); set aside as ${shownPath(aside)}, and the kit goes on without it.\n`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    note(file, `fdlab: ${shownPath(file)} is not what the kit wrote (${why}) and cannot be set aside (${code}); the kit goes on without it: remove it by hand.`);
  }
}

/**
 * The value in `file` when it is valid JSON of the shape `valid` accepts
 * (extra fields are the validator's call). undefined when there is no file,
 * and when there is one the kit cannot use: set aside, or unreadable, with
 * a note either way.
 */
export function readStateFile<T>(file: string, valid: (value: unknown) => value is T): T | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') {
      setAside(file, 'a folder');
      return undefined;
    }
    note(file, `fdlab: ${shownPath(file)} cannot be read (${code ?? String(error)}); the kit goes on without it.`);
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    setAside(file, text.trim() === '' ? 'empty' : 'not valid JSON');
    return undefined;
  }
  if (!valid(value)) {
    setAside(file, describe(value));
    return undefined;
  }
  return value;
}

/** Writes `value` as JSON to `file` in one step: a temporary file, then rename(2). */
export function writeStateFile(file: string, value: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** A plain object (not null, not an array): what every state file holds at its top. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const isCount = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
