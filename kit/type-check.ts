// kit/type-check.ts: the TypeScript type check of a lab's own files, with
// the project's compiler options (tsconfig.json, strict). Only the errors in
// the files given are reported: what they import (the kit, the native API,
// another lab) is not theirs to fix here. `make lab-N` runs it beside the
// check, in a process of its own, since a type check takes seconds:
//
//   node --import tsx kit/type-check.ts labs/02-spawn/spawn.ts ...
//
// prints a JSON array of diagnostics ({ file, line, column, message }).
//
// See: the TypeScript compiler API (github.com/microsoft/TypeScript/wiki/Using-the-Compiler-API).
import { spawn } from 'node:child_process';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { root } from './paths.ts';
import type { Diagnostic } from './verdict.ts';

/** The type errors in `files` (paths from the project root). */
export function typeErrors(files: readonly string[]): Diagnostic[] {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const paths = files.map((file) => join(root, file));
  const program = ts.createProgram(paths, options);
  const found: Diagnostic[] = [];
  for (const path of paths) {
    const source = program.getSourceFile(path);
    if (source === undefined) continue;
    for (const diagnostic of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
      if (diagnostic.start === undefined) {
        found.push({ file: relative(root, path), message });
        continue;
      }
      const { line, character } = source.getLineAndCharacterOfPosition(diagnostic.start);
      found.push({ file: relative(root, path), line: line + 1, column: character + 1, message });
    }
  }
  return found;
}

export interface TypeCheck {
  /** The type errors, or undefined when the type check could not finish (stopped, or failed itself). */
  readonly result: Promise<Diagnostic[] | undefined>;
  stop(): void;
}

/** Starts the type check of `files` in a process of its own. */
export function startTypeCheck(files: readonly string[]): TypeCheck {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...files], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  const result = new Promise<Diagnostic[] | undefined>((resolve) => {
    child.on('error', () => resolve(undefined));
    child.on('close', (code) => {
      try {
        resolve(code === 0 ? (JSON.parse(output) as Diagnostic[]) : undefined);
      } catch {
        resolve(undefined);
      }
    });
  });
  return {
    result,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(JSON.stringify(typeErrors(process.argv.slice(2))));
}
