// Lab 07: fdlab_peercred, who is at the other end of the socket.
// Read labs/07-peercred/README.md first; check your work with `make lab-7`.
//
// The kernel recorded the peer's pid, uid and gid when the socket was made
// (socketpair: the creator, for both ends) or connected (accept: the
// process that called connect). The frame turns your -1 and errno into
// "EBADF: bad file descriptor, getsockopt".
//
// See: unix(7) (SO_PEERCRED), getsockopt(2), credentials(7).
#include <errno.h>
#include <sys/socket.h>

#include "../../native/fdlab.h"

int fdlab_peercred(int sock, pid_t *pid, uid_t *uid, gid_t *gid) {
  // TODO(lab 7): ask the kernel for the peer's credentials: getsockopt(2)
  // at level SOL_SOCKET, option SO_PEERCRED, into a struct ucred (its size
  // in a socklen_t). Copy its pid, uid and gid out and return 0, or return
  // -1 with errno as getsockopt set it. Then delete the lines below.
  (void)sock;
  (void)pid;
  (void)uid;
  (void)gid;
  errno = ENOSYS;
  return -1;
}
