// Lab 01 solution: fdlab_socketpair, a connected pair of Unix sockets.
//
// A socketpair is two sockets already connected to each other, with no name
// in the filesystem: the parent keeps one end and hands the other to a child
// at spawn time. It is the channel runC opens between its parent and the
// container's init before anything else exists.
//
// See: socketpair(2), unix(7), open(2) (O_CLOEXEC).
#include <sys/socket.h>

#include "../../native/fdlab.h"

int fdlab_socketpair(int type, int fds[2]) {
  // SOCK_CLOEXEC sets close-on-exec atomically with the creation: setting it
  // later with fcntl leaves a window in which another thread's fork+exec
  // would inherit both ends, and a child holding the parent's end is exactly
  // what stops EOF from ever arriving. The one child that should have an end
  // gets it explicitly, dup2'ed to fd 3 (lab 02), which clears the flag there.
  return socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds);
}
