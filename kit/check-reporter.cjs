// kit/check-reporter.cjs: how a lab check reports to the learner. Mocha's
// spec output, then a verdict naming the files to edit and the next hint,
// then the closing "N passed, N failed" line. When FDLAB_CHECK_RESULT names
// a file, the result is also saved there for `make status`.
// CommonJS because Mocha loads reporters with require().
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

const { EVENT_RUN_END, EVENT_TEST_FAIL } = Mocha.Runner.constants;
const root = path.join(__dirname, '..');

function labFromManifest(id) {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'labs', 'labs.json'), 'utf8'));
  return manifest.labs.find((lab) => lab.id === id);
}

class CheckReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const id = Number(process.env.FDLAB_CHECK_LAB);
    const tree = process.env.FDLAB_CHECK_TREE || 'labs';
    const lab = labFromManifest(id);
    const failures = [];
    runner.on(EVENT_TEST_FAIL, (test, err) => {
      failures.push({ title: test.fullTitle(), message: String((err && err.message) || err) });
    });
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures: failed, pending } = runner.stats;
      process.nextTick(() => {
        const lines = [];
        if (lab !== undefined) {
          const files = lab.files.map((f) => `${tree}/${lab.folder}/${f}`).join(', ');
          if (failed === 0 && passes > 0) {
            lines.push(`lab ${id} passes against ${tree}/. ${tree === 'labs' ? 'Well done.' : ''}`.trim());
          } else {
            lines.push(`lab ${id}: ${failed} of ${passes + failed} checks failed. Edit: ${files}`);
            lines.push(`Stuck? make hint-${id}`);
          }
        }
        const skipped = pending > 0 ? `, ${pending} skipped` : '';
        lines.push(`${passes} passed, ${failed} failed${skipped}`);
        console.log(`\n${lines.join('\n')}`);
        const resultFile = process.env.FDLAB_CHECK_RESULT;
        if (resultFile) {
          fs.mkdirSync(path.dirname(resultFile), { recursive: true });
          const result = { lab: id, tree, passed: passes, failed, skipped: pending, failures, at: new Date().toISOString() };
          fs.writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
        }
      });
    });
  }
}

module.exports = CheckReporter;
