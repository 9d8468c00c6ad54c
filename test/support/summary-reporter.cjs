// test/support/summary-reporter.cjs: Mocha's spec reporter, plus the one
// closing line CI reads: "N passed, N failed" (", N skipped" when any were).
// CommonJS because Mocha loads reporters with require().
'use strict';
const Mocha = require('mocha');
const { applyColourRule } = require('../../kit/reporter-colour.cjs');

const { EVENT_RUN_END } = Mocha.Runner.constants;

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    applyColourRule(Mocha.reporters.Base);
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      const skipped = pending > 0 ? `, ${pending} skipped` : '';
      // After the spec reporter's own epilogue, so it is the last line.
      process.nextTick(() => console.log(`${passes} passed, ${failures} failed${skipped}`));
    });
  }
}

module.exports = SummaryReporter;
