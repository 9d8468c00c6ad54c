// Lab 01: fdlab_socketpair, a connected pair of Unix sockets.
// Read labs/01-socketpair/README.md first; check your work with `make lab-1`.
//
// See: socketpair(2), unix(7), open(2) (O_CLOEXEC).
#include <errno.h>
#include <sys/socket.h>

#include "../../native/fdlab.h"

int fdlab_socketpair(int type, int fds[2]) {
  // TODO(lab 1): create a connected pair of AF_UNIX sockets of the given
  // type in fds[0] and fds[1], both close-on-exec from the moment they
  // exist. Return 0, or -1 with errno set (the syscall sets it for you).
  (void)type;
  (void)fds;
  errno = ENOSYS;
  return -1;
}
