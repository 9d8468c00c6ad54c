// Lab 04: fdlab_recvmsg, receive bytes and the fds that came with them.
// Read labs/04-recvmsg/README.md first; check your work with `make lab-4`.
//
// See: recvmsg(2), unix(7) (SCM_RIGHTS, MSG_CMSG_CLOEXEC), cmsg(3).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../../native/fdlab.h"

ssize_t fdlab_recvmsg(int sock, void *buf, size_t cap,
                      int *fds, size_t maxfds, size_t *nfds, int flags) {
  // TODO(lab 4): receive up to `cap` bytes into `buf` and up to `maxfds`
  // fds into `fds` with a single recvmsg(2): size the control buffer for
  // maxfds, add MSG_CMSG_CLOEXEC to `flags`, retry on EINTR, walk every
  // control message, set *nfds. On MSG_CTRUNC close every fd that arrived,
  // set *nfds = 0 and fail with EMSGSIZE. Return the bytes received, or -1
  // with errno set.
  (void)sock;
  (void)buf;
  (void)cap;
  (void)fds;
  (void)maxfds;
  (void)flags;
  *nfds = 0;
  errno = ENOSYS;
  return -1;
}
