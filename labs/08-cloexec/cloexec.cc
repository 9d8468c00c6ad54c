// Lab 08: fdlab_set_cloexec, close-on-exec on or off.
// Read labs/08-cloexec/README.md first; check your work with `make lab-8`.
//
// See: fcntl(2) (F_GETFD, F_SETFD, FD_CLOEXEC), execve(2).
#include <errno.h>
#include <fcntl.h>

#include "../../native/fdlab.h"

int fdlab_set_cloexec(int fd, int on) {
  // TODO(lab 8): read fd's fd flags (F_GETFD), set or clear FD_CLOEXEC in
  // them as `on` says, and write them back (F_SETFD), keeping the other
  // flags. Not F_GETFL/F_SETFL: those are the open file's status flags,
  // shared with every other fd on it, and they ignore O_CLOEXEC. Return 0,
  // or -1 with errno as fcntl(2) set it.
  (void)fd;
  (void)on;
  errno = ENOSYS;
  return -1;
}
