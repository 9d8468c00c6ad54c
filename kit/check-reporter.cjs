// kit/check-reporter.cjs: how a lab check reports. To the learner: Mocha's
// spec output (the tests as they run, then each failure in full). To the
// kit (kit/run-check.ts): one JSON line per event on the channel, the fd
// named by FDLAB_CHECK_CHANNEL (FDLAB_CHECK_REPORT_FD once in-check.ts has
// run): test-start, test-end (with the failure's
// message), run-end (the counts). The kit, not this process, decides the
// verdict and prints it: this process may be ended by the code it tests.
// Lines are written with writeSync, so each one is out before the next test
// starts, even if that test then exits, crashes or hangs the process.
// CommonJS because Mocha loads reporters with require().
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');
const { applyColourRule } = require('./reporter-colour.cjs');

const { EVENT_RUN_END, EVENT_TEST_BEGIN, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING, EVENT_HOOK_BEGIN, EVENT_HOOK_END } =
  Mocha.Runner.constants;

/** A failure message as long as the kit may keep it. */
const MESSAGE_MAX = 4000;

function tell(event) {
  // kit/check/in-check.ts moved the channel's number here, out of the
  // variable the native frame and the learner's children read.
  const fd = Number(process.env.FDLAB_CHECK_REPORT_FD ?? process.env.FDLAB_CHECK_CHANNEL);
  if (!Number.isInteger(fd) || fd <= 2) return;
  try {
    fs.writeSync(fd, `${JSON.stringify(event)}\n`);
  } catch {
    // the learner's code closed the channel: the kit notices the silence
  }
}

class CheckReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    // The kit reads our output through a pipe and says whether its own
    // terminal wants colour (kit/terminal.ts's rule: NO_COLOR, TERM=dumb).
    if (process.env.FDLAB_CHECK_COLOUR !== undefined) Mocha.reporters.Base.useColors = process.env.FDLAB_CHECK_COLOUR === '1';
    else applyColourRule(Mocha.reporters.Base);

    runner.on(EVENT_TEST_BEGIN, (test) => tell({ event: 'test-start', title: test.fullTitle() }));
    runner.on(EVENT_HOOK_BEGIN, (hook) => tell({ event: 'test-start', title: hook.fullTitle(), hook: true }));
    runner.on(EVENT_HOOK_END, (hook) => tell({ event: 'test-end', title: hook.fullTitle(), state: 'passed', hook: true }));
    runner.on(EVENT_TEST_PASS, (test) => tell({ event: 'test-end', title: test.fullTitle(), state: 'passed' }));
    runner.on(EVENT_TEST_PENDING, (test) => tell({ event: 'test-end', title: test.fullTitle(), state: 'pending' }));
    runner.on(EVENT_TEST_FAIL, (test, err) => {
      const message = String((err && err.message) || err).slice(0, MESSAGE_MAX);
      tell({ event: 'test-end', title: test.fullTitle(), state: 'failed', message });
    });
    // After the spec reporter's epilogue (registered first, by super()):
    // once the kit reads this line, every failure has been printed.
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = runner.stats;
      tell({ event: 'run-end', passed: passes, failed: failures, skipped: pending });
    });
  }
}

module.exports = CheckReporter;
