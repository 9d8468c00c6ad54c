// kit/cli.ts: the learner's command line. The Makefile's targets call this;
// each command lives in kit/commands/.
//
//   node --import tsx kit/cli.ts lab N | solution N | hint N [LEVEL]
//                                | check [N] | status [--fresh] | watch [N]
//                                | reset N | compare N | doctor | trace
import { checkCommand } from './commands/check.ts';
import { compareCommand } from './commands/compare.ts';
import { doctorCommand } from './commands/doctor.ts';
import { hintCommand } from './commands/hint.ts';
import { resetCommand } from './commands/reset.ts';
import { statusCommand } from './commands/status.ts';
import { traceCommand } from './commands/trace.ts';
import { watchCommand } from './commands/watch.ts';
import { findLab, loadLabs } from './manifest.ts';
import { labBeingWorkedOn } from './state.ts';

const usage = `usage: kit/cli.ts <command>
  lab N          check your lab N (labs/)                      make lab-N
  solution N     check lab N against solutions/                make solution-N
  hint N [k]     the next hint for lab N, or hint level k      make hint-N [LEVEL=k]
  check [N]      check the lab you are on (or lab N)           make check [LAB=N]
  status         every lab: passed / failing / not started     make status [FRESH=1]
  watch [N]      rerun the lab you are on at every save        make watch [LAB=N]
  reset N        restore lab N's files (backup in .fdlab/)     make reset-N
  compare N      once lab N passes: yours beside the solution  make compare-N
  doctor         check the machine; the fix for each problem   make doctor
  trace          the demo under strace, SCM_RIGHTS decoded     make trace
`;

function labNumber(text: string | undefined): number {
  const id = Number(text);
  if (text === undefined || !Number.isInteger(id)) {
    process.stderr.write(usage);
    process.exit(2);
  }
  return id;
}

/** LAB=N when given, else the lowest lab not passed yet (undefined: all pass). */
function labOrCurrent(text: string | undefined): number | undefined {
  return text === undefined || text === '' ? labBeingWorkedOn(loadLabs())?.id : findLab(labNumber(text)).id;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'lab':
      return checkCommand('labs', labNumber(args[0]));
    case 'solution':
      return checkCommand('solutions', labNumber(args[0]));
    case 'hint':
      return hintCommand(labNumber(args[0]), args[1] ? Number(args[1]) : undefined);
    case 'check': {
      const id = labOrCurrent(args[0]);
      if (id === undefined) {
        process.stdout.write('Every lab passes. make status shows them all.\n');
        return 0;
      }
      return checkCommand('labs', id);
    }
    case 'status':
      return statusCommand({ fresh: args.includes('--fresh') });
    case 'watch':
      return watchCommand(args[0] === undefined || args[0] === '' ? undefined : labNumber(args[0]));
    case 'reset':
      return resetCommand(labNumber(args[0]));
    case 'compare':
      return compareCommand(labNumber(args[0]));
    case 'doctor':
      return doctorCommand();
    case 'trace':
      return traceCommand();
    default:
      process.stderr.write(usage);
      return 2;
  }
}

// `make hint-1 | head` closes our stdout early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    process.stderr.write(`fdlab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
