// test/support/blocking-recv-child.ts: run by test/73-signals.spec.ts. It
// blocks its main thread in recvFdsSync on the socket its parent passed at
// fd 3 ('forever': in recvmsg itself; 'timeout': in poll, with a 60 s
// timeout) while the parent sends it signals, then prints, as one JSON line,
// what the receive returned and how many signals its handler saw.
//
// See: signal(7) (interruption of system calls, SA_RESTART), recvmsg(2), poll(2).
import { openFdlab } from '../../native/index.ts';
import { inheritedSocket } from '../../solutions/02-spawn/child.ts';

const fdlab = openFdlab('solutions');
const [mode, expected] = [process.argv[2], Number(process.argv[3])];
let signals = 0;
process.on('SIGUSR2', () => signals++);
const sock = inheritedSocket();

process.stdout.write(`blocking ${process.pid}\n`);
let result: Record<string, unknown>;
try {
  const got = mode === 'timeout' ? fdlab.recvFdsSync(sock, { timeoutMs: 60_000 }) : fdlab.recvFdsSync(sock);
  result = { data: got?.data.toString() };
} catch (error) {
  result = { code: (error as { code?: string }).code, message: (error as Error).message };
}
// The handlers could not run while the thread was blocked; they run now.
for (let i = 0; i < 500 && signals < expected; i++) await new Promise((resolve) => setTimeout(resolve, 10));
process.stdout.write(`${JSON.stringify({ ...result, signals })}\n`);
fdlab.closeFd(sock);
