// bench/roundtrip-node-ipc.ts: the round-trip benchmark through Node's own
// IPC channel, the peer a Node user reaches for first: a child with an
// 'ipc' channel, as child_process.fork() makes, and child.send(message,
// handle).
//
//   node --import tsx bench/roundtrip-node-ipc.ts ITERATIONS [WARMUP]
//
// Node can pass only its own handle types (net.Server, net.Socket,
// dgram.Socket), not a file, so the open file here is a listening TCP
// socket on 127.0.0.1: to the kernel it is an fd all the same, passed with
// SCM_RIGHTS over the channel's Unix socket. What Node adds on top is its
// protocol: a JSON message per send, a NODE_HANDLE_ACK back for every
// handle, and a new net.Server wrapped around each received fd. The child
// (roundtrip-node-ipc-child.ts) echoes each message and handle.
//
// See: unix(7) (SCM_RIGHTS), and subprocess.send() in Node's child_process docs.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, Server } from 'node:net';
import { benchFile, check, childCommand, intArg, reap, report, runMain } from './worker.ts';

runMain(async () => {
  const iterations = intArg(2, 'ITERATIONS');
  const warmup = intArg(3, 'WARMUP', Math.ceil(iterations / 10));

  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  // What fork() does, spelled out as spawn() with an 'ipc' channel so that
  // the child can be started under taskset (see childCommand).
  const child = spawn(...childCommand(benchFile('roundtrip-node-ipc-child.ts')), {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  await once(child, 'message'); // 'ready': its listener is in place

  let start = 0n;
  for (let i = 0; i < warmup + iterations; i++) {
    if (i === warmup) start = process.hrtime.bigint();
    const byte = String.fromCharCode(0x61 + (i % 26));
    const echoed = new Promise<[unknown, unknown]>((resolve) => {
      child.once('message', (message, handle) => resolve([message, handle]));
    });
    child.send(byte, server);
    const [message, handle] = await echoed;
    check(
      message === byte && handle instanceof Server,
      () => `echo ${i}: sent ${JSON.stringify(byte)} and a net.Server, got ${JSON.stringify(message)} and ${String(handle)}`,
    );
    // Once is proof enough that the same socket came back.
    if (i === 0) {
      const address = handle.address();
      const want = server.address();
      check(
        address !== null && want !== null && typeof address === 'object' && typeof want === 'object' && address.port === want.port,
        () => 'the handle that came back is not the server sent',
      );
    }
    handle.close();
  }
  const elapsed = process.hrtime.bigint() - start;

  child.disconnect(); // end of the channel: the child exits
  await reap(child, 'Node IPC');
  server.close();
  report({
    peer: 'node-ipc',
    iterations,
    echoed: warmup + iterations,
    nsPerRoundTrip: Number(elapsed) / iterations,
  });
});
