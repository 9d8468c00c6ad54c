// kit/cli.ts: the learner's command line. The Makefile's targets call this;
// each command lives in kit/commands/.
//
//   node --import tsx kit/cli.ts lab N | solution N | hint N [LEVEL]
import { checkCommand } from './commands/check.ts';
import { hintCommand } from './commands/hint.ts';

const usage = `usage: kit/cli.ts <command>
  lab N          check your lab N (labs/)                     make lab-N
  solution N     check lab N against solutions/                make solution-N
  hint N [k]     the next hint for lab N, or hint level k      make hint-N [LEVEL=k]
`;

function labNumber(text: string | undefined): number {
  const id = Number(text);
  if (text === undefined || !Number.isInteger(id)) {
    process.stderr.write(usage);
    process.exit(2);
  }
  return id;
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
