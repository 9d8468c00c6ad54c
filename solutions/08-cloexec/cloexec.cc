// Lab 08 solution: fdlab_set_cloexec, close-on-exec on or off.
//
// FD_CLOEXEC is a flag of the fd (the fd table entry), not of the open
// file description, so two fds on one open file can differ. It is read and
// written with F_GETFD / F_SETFD; the other fd flags are kept as they are.
//
// See: fcntl(2) (F_GETFD, F_SETFD, FD_CLOEXEC), execve(2).
#include <fcntl.h>

#include "../../native/fdlab.h"

int fdlab_set_cloexec(int fd, int on) {
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return -1;
  flags = on ? (flags | FD_CLOEXEC) : (flags & ~FD_CLOEXEC);
  return fcntl(fd, F_SETFD, flags) < 0 ? -1 : 0;
}
