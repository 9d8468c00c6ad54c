// test/support/parallel.mocharc.cjs: the config `make test` runs the suite
// with (`npm test`: mocha --parallel --jobs 2). It is .mocharc.json's, with
// the spec files in the order that ends soonest on two workers.
//
// Mocha hands the files to its workers in the order given, each to the first
// worker free. In name order the longest files (90, 92, 89, 91, 93) came last,
// and a worker sat idle while the other finished them: longest first keeps
// both busy to the end (Node 20, 2 cores: 229 s in name order, 212 s so).
// The order is by each file's time run alone,
//   node --import tsx node_modules/mocha/bin/mocha.js --no-config --timeout 20000 test/N.spec.ts
// A file the list does not name runs after those it names, in name order: a
// stale list costs minutes, never a test (test/84 proves every file runs once).
// Not named .mocharc.*: VS Code's Testing view would take it for a second
// copy of the suite.
'use strict';
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');

/** The slowest test files, slowest first (seconds alone, Node 20, root). */
const LONGEST_FIRST = [
  'test/90-kit-integrity.spec.ts', // 68
  'test/92-check-runner.spec.ts', // 62
  'test/89-environment.spec.ts', // 37
  'test/93-learner-commands.spec.ts', // 30
  'test/88-watch.spec.ts', // 24
  'test/91-build.spec.ts', // 24
  'test/87-status-reset.spec.ts', // 16
  'test/94-type-check.spec.ts', // 13
  'test/56-trace.spec.ts', // 12
  'test/86-hints.spec.ts', // 10
  'test/84-testing-view.spec.ts', // 10
];

const config = JSON.parse(readFileSync(join(root, '.mocharc.json'), 'utf8'));
const suite = readdirSync(join(root, 'test'), { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.spec.ts'))
  .map((name) => join('test', name))
  .sort();
const rank = (file) => (LONGEST_FIRST.includes(file) ? LONGEST_FIRST.indexOf(file) : LONGEST_FIRST.length);

module.exports = { ...config, spec: [...suite].sort((a, b) => rank(a) - rank(b)) };
