// The kit's output: colour and Unicode on a terminal only, plain text in a
// pipe, none at all with NO_COLOR (kit/terminal.ts), end to end through a
// real pseudo-terminal (script(1)).
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { age, colourEnabled, fit, paint, progressBar } from '../kit/terminal.ts';
import type { ProjectCopy } from './support/project-copy.ts';
import { cleanEnv, learnerCopy, runKit } from './fixtures/learner-copy.ts';

const ESC = '\x1b[';
const tty = { isTTY: true };
const pipe = { isTTY: false };

describe('kit output on a terminal and in a pipe', () => {
  describe('when colour is used', () => {
    it('uses colour on a terminal', () => {
      expect(colourEnabled(tty, {})).to.equal(true);
    });

    it('writes plain text when the output is not a terminal', () => {
      expect(colourEnabled(pipe, {})).to.equal(false);
      expect(colourEnabled({}, {})).to.equal(false);
    });

    it('honours NO_COLOR set to anything but the empty string, even on a terminal', () => {
      expect(colourEnabled(tty, { NO_COLOR: '1' })).to.equal(false);
      expect(colourEnabled(tty, { NO_COLOR: 'yes' })).to.equal(false);
      expect(colourEnabled(tty, { NO_COLOR: '' })).to.equal(true);
    });

    it('writes plain text to a dumb terminal', () => {
      expect(colourEnabled(tty, { TERM: 'dumb' })).to.equal(false);
    });
  });

  describe('painting', () => {
    it('adds no escape sequence when colour is off', () => {
      const p = paint(pipe, {});
      for (const text of [p.good('a'), p.bad('b'), p.warn('c'), p.dim('d'), p.bold('e')]) expect(text).to.not.include(ESC);
      expect(p.good('passed')).to.equal('passed');
    });

    it('wraps text in a colour and its reset when colour is on', () => {
      expect(paint(tty, {}).bad('failing')).to.equal(`${ESC}31mfailing${ESC}39m`);
      expect(paint(tty, {}).bold('lab 1')).to.equal(`${ESC}1mlab 1${ESC}22m`);
    });

    it('draws a plain ASCII progress bar in proportion', () => {
      expect(progressBar(1, 4, 8, paint(pipe, {}))).to.equal('[##......]');
      expect(progressBar(0, 5, 5, paint(pipe, {}))).to.equal('[.....]');
      expect(progressBar(5, 5, 5, paint(pipe, {}))).to.equal('[#####]');
      expect(progressBar(0, 0, 3, paint(pipe, {}))).to.equal('[...]');
    });

    it('draws the progress bar in Unicode blocks on a colour terminal', () => {
      expect(progressBar(1, 2, 4, paint(tty, {}))).to.include('██').and.include('░░');
    });

    it('pads short text and cuts long text with an ellipsis', () => {
      expect(fit('lab', 6, paint(pipe, {}))).to.equal('lab   ');
      expect(fit('socketpair(2)', 8, paint(pipe, {}))).to.equal('socke...');
      expect(fit('socketpair(2)', 8, paint(tty, {}))).to.equal('socketp…');
    });
  });

  describe('ages', () => {
    const now = Date.parse('2026-01-10T12:00:00Z');
    const ago = (seconds: number): string => age(new Date(now - seconds * 1000).toISOString(), now);

    it('says how long ago in words', () => {
      expect(ago(5)).to.equal('just now');
      expect(ago(5 * 60)).to.equal('5 min ago');
      expect(ago(3 * 3600 + 59)).to.equal('3 h ago');
      expect(ago(86_400)).to.equal('1 day ago');
      expect(ago(3 * 86_400)).to.equal('3 days ago');
    });

    it('treats a time in the future (a skewed clock) as just now, and garbage as unknown', () => {
      expect(ago(-600)).to.equal('just now');
      expect(age('not a date', now)).to.equal('unknown');
    });
  });

  describe('make status, end to end (in a copy of the project)', function () {
    this.timeout(180_000);
    let copy: ProjectCopy;
    // No build: with no results and no git history, status runs no check.
    before(() => (copy = learnerCopy({ git: false, build: false })));
    after(() => copy?.remove());

    /** Runs `kit/cli.ts status` on a pseudo-terminal, as in a learner's shell. */
    function statusOnTerminal(env: NodeJS.ProcessEnv): string {
      const run = spawnSync('script', ['--quiet', '--return', '--command', 'node --import tsx/esm kit/cli.ts status', '/dev/null'], {
        cwd: copy.dir,
        encoding: 'utf8',
        env: cleanEnv({ TERM: 'xterm-256color', ...env }),
        timeout: 120_000,
      });
      expect(run.status, `${run.stdout}${run.stderr}`).to.equal(0);
      return run.stdout;
    }

    it('is coloured on a terminal', () => {
      const output = statusOnTerminal({});
      expect(output).to.include('lab');
      expect(output).to.include(ESC);
    });

    it('is plain on a terminal when NO_COLOR is set', () => {
      const output = statusOnTerminal({ NO_COLOR: '1' });
      expect(output).to.include('lab');
      expect(output).to.not.include(ESC);
    });

    it('is plain ASCII text in a pipe', () => {
      const run = runKit(copy.dir, ['status']);
      expect(run.code, run.output).to.equal(0);
      expect(run.output).to.include('not started');
      expect(run.output).to.not.include(ESC);
      expect(run.output).to.match(/\[[#.]+\] 0\/\d+/);
    });
  });
});
