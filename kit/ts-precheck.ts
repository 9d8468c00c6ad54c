// kit/ts-precheck.ts: a lab's TypeScript files read and linked the way tsx
// will run them, before any test: a file that does not parse, or imports a
// file or a name that is not there, is reported at once with its
// file:line:column and the compiler's own words, instead of as one timeout
// per test. esbuild (the compiler tsx runs the labs with) bundles the files
// in memory: it parses every file they import and resolves every import,
// and runs none of them.
//
// See: esbuild's build API (esbuild.github.io/api/#build).
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import type { Message } from 'esbuild';
import { root } from './paths.ts';
import type { Diagnostic } from './verdict.ts';

type Esbuild = typeof import('esbuild');

/** esbuild as tsx has it: the same version that will compile the lab. */
function loadEsbuild(): Esbuild {
  const fromTsx = createRequire(join(root, 'node_modules', 'tsx', 'package.json'));
  return fromTsx('esbuild') as Esbuild;
}

function diagnostic(message: Message): Diagnostic {
  const where = message.location;
  if (where === null) return { file: '', message: message.text };
  const file = relative(root, join(root, where.file)) || where.file;
  return { file, line: where.line, column: where.column + 1, message: message.text };
}

/** The parse and import errors in `files` (paths from the project root), or an empty list. */
export async function precheckTypeScript(files: readonly string[]): Promise<Diagnostic[]> {
  if (files.length === 0) return [];
  const esbuild = loadEsbuild();
  try {
    await esbuild.build({
      entryPoints: files.map((file) => join(root, file)),
      absWorkingDir: root,
      bundle: true,
      write: false,
      outdir: join(root, '.fdlab', 'precheck'), // never written (write: false); esbuild wants one for several entries
      platform: 'node',
      format: 'esm',
      target: 'esnext',
      packages: 'external',
      logLevel: 'silent',
    });
    return [];
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (!Array.isArray(errors)) throw error;
    return errors.map(diagnostic);
  }
}
