// Lab 09 given code: the server's entry point, both generations of it.
//
//   node --import tsx labs/09-handoff/main.ts            the old server
//   kill -USR2 <its pid>                                  hand off and exit
//
// The old server listens on 127.0.0.1 (port 0: the kernel picks a free one,
// or FDLAB_HANDOFF_PORT) and prints the port. On SIGUSR2 — the signal nginx
// uses for the same job — it calls handOff (handoff.ts), which starts this
// file again as 'successor'; the successor calls takeOver. If the handoff
// fails, the old server says so and keeps serving.
//
// See: signal(7), and the lab's README.md.
import net from 'node:net';
import { handOff, takeOver } from './handoff.ts';
import { serveOne, SOCK_FD_ENV, spawnSuccessor } from './server.ts';

/** Test hook: 'exit-before-ready' makes the successor die before taking over. */
const FAULT_ENV = 'FDLAB_HANDOFF_FAULT';

function say(role: 'old' | 'successor', text: string): void {
  process.stdout.write(`[${role} ${process.pid}] ${text}\n`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function runSuccessor(): Promise<void> {
  const value = process.env[SOCK_FD_ENV] ?? '';
  if (!/^\d+$/.test(value)) throw new Error(`${SOCK_FD_ENV}=${JSON.stringify(value)} is not an fd number`);
  const sock = Number(value);
  say('successor', `started; fd ${sock} is my end of the socketpair`);
  if (process.env[FAULT_ENV] === 'exit-before-ready') {
    say('successor', `exiting before taking over (${FAULT_ENV})`);
    process.exit(3);
  }
  const server = await takeOver(sock, serveOne);
  say('successor', 'serving on the listening socket I was handed');
  // Stopped like the old one was: no new connections, finish the rest, exit.
  process.once('SIGTERM', () => {
    say('successor', 'SIGTERM: closing');
    server.close();
  });
}

function runOld(): void {
  const server = net.createServer(serveOne);
  const port = Number(process.env.FDLAB_HANDOFF_PORT ?? 0);
  server.listen({ host: '127.0.0.1', port }, () => {
    const address = server.address() as net.AddressInfo;
    say('old', `listening on 127.0.0.1:${address.port}; kill -USR2 ${process.pid} hands off`);
  });
  // Kept installed after a failed handoff, so SIGUSR2 can try again
  // (without a handler, SIGUSR2 would kill the process).
  let handingOff = false;
  process.on('SIGUSR2', () => {
    if (handingOff) return;
    handingOff = true;
    say('old', 'SIGUSR2: handing off');
    handOff(server, spawnSuccessor).then(
      (successorPid) => say('old', `handed off to pid ${successorPid} and drained; exiting`),
      (error: unknown) => {
        handingOff = false;
        say('old', `handoff failed: ${messageOf(error)}; still serving`);
      },
    );
  });
}

if (process.argv[2] === 'successor') {
  runSuccessor().catch((error: unknown) => {
    say('successor', `error: ${messageOf(error)}`);
    process.exitCode = 1;
  });
} else {
  runOld();
}
