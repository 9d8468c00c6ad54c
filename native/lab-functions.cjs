// native/lab-functions.cjs: the one table of which lab owns which C function
// and file (native/lab-functions.json), printed for gyp, which reads it
// through command expansions in native/common.gypi:
//
//   node lab-functions.cjs sources <tree_dir>   each lab file, as a gyp source
//   node lab-functions.cjs defines              FDLAB_FILE_<function>="<file>"
//
// The defines let the frame name the function and file at each call
// (frame/lab_call.h); kit/build.ts reads the same JSON for the list of
// sources a build needs. Output is split by gyp with shlex, hence the quotes.
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const { functions } = JSON.parse(readFileSync(join(__dirname, 'lab-functions.json'), 'utf8'));
const [what, treeDir] = process.argv.slice(2);
const quote = (word) => `'${word.replace(/'/g, `'\\''`)}'`;

if (what === 'sources' && treeDir !== undefined) {
  console.log(functions.map((entry) => quote(`${treeDir}/${entry.file}`)).join(' '));
} else if (what === 'defines') {
  console.log(functions.map((entry) => quote(`FDLAB_FILE_${entry.function}="${entry.file}"`)).join(' '));
} else {
  console.error('usage: node lab-functions.cjs sources <tree_dir> | defines');
  process.exit(2);
}
