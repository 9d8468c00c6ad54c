// kit/type-check-process.cjs: the TypeScript type check of a lab's own
// files, with the project's compiler options (tsconfig.json, strict), as a
// program of its own. kit/type-check.ts starts it beside a check:
//
//   node kit/type-check-process.cjs labs/02-spawn/spawn.ts ...
//
// and it prints one JSON object: `diagnostics`, the type errors
// ({ file, line, column, message }, kit/verdict.ts's Diagnostic), and
// `programFiles`, every project file the compiler read for them (what they
// import), so that kit/type-check.ts knows when its cached answer is stale.
// Only the errors in the files given are reported: what they import (the
// kit, the native API, another lab) is not theirs to fix here.
// Plain CommonJS, run without tsx: the compiler is all it loads. Through
// tsx's loader the same check costs about a second more of CPU, paid on
// every `make lab-N`.
//
// See: the TypeScript compiler API (github.com/microsoft/TypeScript/wiki/Using-the-Compiler-API).
'use strict';
const { join, relative } = require('node:path');
const ts = require('typescript');

const root = join(__dirname, '..');

function typeErrors(files) {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const paths = files.map((file) => join(root, file));
  const program = ts.createProgram(paths, options);
  const found = [];
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
  const programFiles = program
    .getSourceFiles()
    .map((source) => relative(root, source.fileName))
    .filter((file) => !file.startsWith('..') && !file.split('/').includes('node_modules'));
  return { diagnostics: found, programFiles };
}

process.stdout.write(JSON.stringify(typeErrors(process.argv.slice(2))));
