// Lab 10 solution: fdlab_openpty, a new pseudo-terminal pair.
//
// A pty is two ends of a terminal: programs run on the slave (it is a tty
// to them: isatty, line discipline, job control), and whoever holds the
// master reads what they print and types for them. runC's
// --console-socket sends the master over a Unix socket to its caller.
//
// See: pty(7), posix_openpt(3), grantpt(3), unlockpt(3), ptsname(3).
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../native/fdlab.h"

int fdlab_openpty(int *master, char *slave_path, size_t cap) {
  // O_NOCTTY: opening it must not make it our controlling terminal.
  // O_CLOEXEC: like every fd the kit hands out.
  int fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return -1;
  // grantpt gives the slave to our uid; unlockpt lets it be opened;
  // ptsname_r names it. Any failure closes the master: nothing leaks.
  if (grantpt(fd) != 0 || unlockpt(fd) != 0 || ptsname_r(fd, slave_path, cap) != 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  *master = fd;
  return 0;
}
