// bench/roundtrip-fdlab-child.ts: the child of roundtrip-fdlab.ts. Echoes
// every message, its byte and its fd, back to the parent with the same API
// the parent uses (sync or async), closes its copy of the fd, and exits at
// end of file.
//
// See: recvmsg(2), sendmsg(2), unix(7) (SCM_RIGHTS).
import { openFdlab } from '../native/index.ts';
import { inheritedSocket } from '../solutions/02-spawn/child.ts';
import { runMain } from './worker.ts';

const fdlab = openFdlab('solutions');

runMain(async () => {
  const sync = process.argv[2] === 'sync';
  const sock = inheritedSocket();
  for (;;) {
    const message = sync ? fdlab.recvFdsSync(sock) : await fdlab.recvFds(sock);
    if (message === null) break;
    if (sync) fdlab.sendFdsSync(sock, message.fds, message.data);
    else await fdlab.sendFds(sock, message.fds, message.data);
    for (const fd of message.fds) fdlab.closeFd(fd);
  }
  fdlab.closeFd(sock);
});
