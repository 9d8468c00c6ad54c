// bench/roundtrip-node-ipc-child.ts: the child of roundtrip-node-ipc.ts.
// Echoes every message and its handle back over Node's IPC channel, then
// closes its own copy of the handle once it is on its way; exits when the
// parent disconnects.
//
// See: unix(7) (SCM_RIGHTS), and process.send() in Node's process docs.
import type { Server } from 'node:net';

const send = process.send?.bind(process);
if (send === undefined) throw new Error('roundtrip-node-ipc-child.ts must be started by fork() with an IPC channel');

process.on('message', (message, handle) => {
  const server = handle as Server;
  // Sending a net.Server does not close it here, as sending a net.Socket
  // would: once the fd is in the channel, this copy is ours to close.
  send(message, server, undefined, () => server.close());
});
send('ready');
