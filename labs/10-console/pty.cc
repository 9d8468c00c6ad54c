// Lab 10: fdlab_openpty, a new pseudo-terminal pair.
// Read labs/10-console/README.md first; check your work with `make lab-10`.
//
// See: pty(7), posix_openpt(3), grantpt(3), unlockpt(3), ptsname(3).
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "../../native/fdlab.h"

int fdlab_openpty(int *master, char *slave_path, size_t cap) {
  // TODO(lab 10): open a pty master (posix_openpt, read-write, not our
  // controlling terminal, close-on-exec), grant and unlock its slave, and
  // write the slave's path into slave_path (ptsname_r, cap bytes). Return 0
  // with *master set, or -1 with errno set and the master closed: once
  // posix_openpt has succeeded, every failure saves errno, closes the
  // master and restores errno (the README's "Making one" table).
  (void)master;
  (void)slave_path;
  (void)cap;
  errno = ENOSYS;
  return -1;
}
