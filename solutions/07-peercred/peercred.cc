// Lab 07 solution: fdlab_peercred, who is at the other end of the socket.
//
// The kernel records the peer's pid, uid and gid when a socketpair is made
// or a connection accepted; SO_PEERCRED reads them back. The peer cannot
// forge them, which is what makes them worth checking before accepting an
// fd from it.
//
// See: unix(7) (SO_PEERCRED), getsockopt(2), credentials(7).
#include <sys/socket.h>

#include "../../native/fdlab.h"

int fdlab_peercred(int sock, pid_t *pid, uid_t *uid, gid_t *gid) {
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return -1;
  *pid = cred.pid;
  *uid = cred.uid;
  *gid = cred.gid;
  return 0;
}
