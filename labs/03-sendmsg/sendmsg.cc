// Lab 03: fdlab_sendmsg, send bytes and open files in one message.
// Read labs/03-sendmsg/README.md first; check your work with `make lab-3`.
//
// See: sendmsg(2), unix(7) (SCM_RIGHTS), cmsg(3).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "../../native/fdlab.h"

ssize_t fdlab_sendmsg(int sock, const int *fds, size_t nfds,
                      const void *data, size_t len, int flags) {
  // TODO(lab 3): send `len` bytes of `data` (at least one byte, even when
  // len is 0) and, when nfds > 0, the nfds fds as one SCM_RIGHTS control
  // message, with a single sendmsg(2). Add MSG_NOSIGNAL to `flags`, retry on
  // EINTR, refuse more than FDLAB_MAX_FDS fds with EINVAL. Return the bytes
  // sent, or -1 with errno set.
  (void)sock;
  (void)fds;
  (void)nfds;
  (void)data;
  (void)len;
  (void)flags;
  errno = ENOSYS;
  return -1;
}
