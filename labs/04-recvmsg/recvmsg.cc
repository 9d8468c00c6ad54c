// Lab 04: fdlab_recvmsg, receive bytes and the fds that came with them.
// Read labs/04-recvmsg/README.md first; check your work with `make lab-4`.
// The contract is in native/fdlab.h.
//
// See: recvmsg(2), cmsg(3), unix(7) (SCM_RIGHTS, SCM_CREDENTIALS,
// MSG_CMSG_CLOEXEC).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../../native/fdlab.h"

ssize_t fdlab_recvmsg(int sock, void *buf, size_t cap,
                      int *fds, size_t maxfds, size_t *nfds, int flags) {
  // TODO(lab 4): receive one message with a single recvmsg(2):
  //   1. msg_iov: one iovec of { buf, cap }.
  //   2. msg_control: a buffer aligned by a union with struct cmsghdr;
  //      msg_controllen = CMSG_SPACE(sizeof(int) * maxfds) plus
  //      CMSG_SPACE(sizeof(struct ucred)), room for the credentials a
  //      socket with SO_PASSCRED puts before the fds.
  //   3. recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC), again on EINTR;
  //      other failures: return -1, errno as recvmsg left it.
  //   4. Walk every cmsg (CMSG_FIRSTHDR, CMSG_NXTHDR); from each
  //      SOL_SOCKET/SCM_RIGHTS one, memcpy the fds out of CMSG_DATA into
  //      fds, in order, counting them in *nfds.
  //   5. MSG_CTRUNC in msg.msg_flags, or more than maxfds fds: close every
  //      fd that arrived, *nfds = 0, errno = EMSGSIZE, return -1.
  //   6. Return the bytes received (0 with *nfds == 0 means end-of-file).
  // Until then it fails with ENOSYS, which the check reports as unwritten.
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
