// Lab 03: fdlab_sendmsg, send bytes and open files in one message.
// Read labs/03-sendmsg/README.md first; check your work with `make lab-3`.
//
// The contract is in native/fdlab.h. The frame (native/frame/socket_calls.cc)
// calls this for sendFds/sendFdsSync, with flags 0 or MSG_DONTWAIT, and turns
// -1 with errno into a Node-style error such as "EPIPE: broken pipe, sendmsg".
//
// See: sendmsg(2), unix(7) (SCM_RIGHTS), cmsg(3), send(2) (MSG_NOSIGNAL).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "../../native/fdlab.h"

ssize_t fdlab_sendmsg(int sock, const int *fds, size_t nfds,
                      const void *data, size_t len, int flags) {
  // TODO(lab 3): send the len bytes of data and the nfds fds with one
  // sendmsg(2), as the README's task list says:
  //   - more than FDLAB_MAX_FDS fds: fail with EINVAL before anything else;
  //   - one iovec for the data, or for one byte of your own when len == 0
  //     (data may then be NULL): fds never travel without data;
  //   - only when nfds > 0: one SOL_SOCKET / SCM_RIGHTS control message
  //     holding the fds in order, in a buffer aligned for struct cmsghdr
  //     with room for FDLAB_MAX_FDS of them;
  //   - flags | MSG_NOSIGNAL, and call again while it fails with EINTR.
  // Return what sendmsg(2) returned (errno is then already set), and leave
  // the fds open: they are still the caller's.
  (void)sock;
  (void)fds;
  (void)nfds;
  (void)data;
  (void)len;
  (void)flags;
  errno = ENOSYS;
  return -1;
}
