// bench/handover-child.ts: the child of handover.ts. Opens the file it is
// told to, then answers each request: "fd" sends the open file's fd with
// one byte, "copy" reads the whole file and writes its bytes into the
// socket. Exits at end of file.
//
// See: sendmsg(2), unix(7) (SCM_RIGHTS), pread(2).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { openFdlab } from '../native/index.ts';
import { inheritedSocket } from '../solutions/02-spawn/child.ts';
import { runMain } from './worker.ts';

const fdlab = openFdlab('solutions');
// Read in chunks a little larger than the socket buffer: each write then
// fills the socket, and the reader drains it, without a huge allocation.
const buffer = Buffer.allocUnsafe(1 << 20);

runMain(async () => {
  const sock = inheritedSocket();
  let file = -1;
  let size = 0;
  for (;;) {
    const message = fdlab.recvFdsSync(sock, { maxBytes: 4096 });
    if (message === null) break;
    const text = message.data.toString();
    if (text.startsWith('open ')) {
      if (file >= 0) closeSync(file);
      file = openSync(text.slice(5), 'r');
      size = fstatSync(file).size;
      fdlab.sendFdsSync(sock, [], 'ok');
    } else if (text === 'fd') {
      fdlab.sendFdsSync(sock, [file], 'f');
    } else if (text === 'copy') {
      // pread, from offset 0 each time: the fd's own offset is shared with
      // every process we have passed it to, so it is not ours to move.
      for (let at = 0; at < size; ) {
        const n = readSync(file, buffer, 0, Math.min(buffer.length, size - at), at);
        if (n === 0) throw new Error(`the file ended at byte ${at} of ${size}`);
        fdlab.sendFdsSync(sock, [], buffer.subarray(0, n));
        at += n;
      }
    } else {
      throw new Error(`unknown request ${JSON.stringify(text)}`);
    }
  }
  if (file >= 0) closeSync(file);
  fdlab.closeFd(sock);
});
