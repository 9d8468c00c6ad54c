// Lab 04 solution: fdlab_recvmsg, receive bytes and the fds that came with
// them.
//
// The fds arrive in a control message (cmsg) beside the data. recvmsg
// installs them in our fd table as it returns, so from that moment they are
// ours to close, including when something goes wrong.
//
// See: recvmsg(2), unix(7) (SCM_RIGHTS, SCM_CREDENTIALS, MSG_CMSG_CLOEXEC),
// cmsg(3).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../../native/fdlab.h"

ssize_t fdlab_recvmsg(int sock, void *buf, size_t cap,
                      int *fds, size_t maxfds, size_t *nfds, int flags) {
  // Every early return below reports no fds.
  *nfds = 0;
  // The control buffer below has room for FDLAB_MAX_FDS fds at most.
  if (maxfds > FDLAB_MAX_FDS) maxfds = FDLAB_MAX_FDS;

  iovec iov;
  iov.iov_base = buf;
  iov.iov_len = cap;

  // Room for maxfds fds, plus one SCM_CREDENTIALS message: a socket with
  // SO_PASSCRED set gets the sender's credentials on every message, placed
  // before the fds, and a buffer sized for the fds alone would then be
  // truncated. If the sender sent more fds than fit, the kernel installs
  // what fits, closes the rest and sets MSG_CTRUNC in msg_flags, and
  // recvmsg still succeeds. The union aligns the buffer for cmsghdr.
  union {
    char buf[CMSG_SPACE(sizeof(int) * FDLAB_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
    cmsghdr align;
  } control;
  msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * maxfds) + CMSG_SPACE(sizeof(struct ucred));

  // MSG_CMSG_CLOEXEC sets close-on-exec on every received fd atomically, as
  // it is installed; otherwise the next child we spawn inherits them all.
  ssize_t got;
  do {
    got = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);  // a signal handler ran: try again
  if (got < 0) return -1;

  // A truncated control message means fds were lost on the way. Only this
  // flag says so: the call itself succeeded.
  bool truncated = (msg.msg_flags & MSG_CTRUNC) != 0;

  // Walk every control message, not just the first: other kinds (such as
  // SCM_CREDENTIALS) may come first, and each SCM_RIGHTS one holds fds.
  for (cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
       cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const unsigned char *data = CMSG_DATA(cmsg);
    for (size_t i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, data + i * sizeof(int), sizeof fd);  // CMSG_DATA may be unaligned
      if (*nfds < maxfds) {
        fds[(*nfds)++] = fd;
      } else {
        // The kernel fills all the room it is given: CMSG_SPACE's padding,
        // and the credentials' room when SO_PASSCRED is off, hold fds past
        // maxfds. More than asked for is truncation too: close it and fail
        // below.
        close(fd);
        truncated = true;
      }
    }
  }

  // Refuse the whole message and close what did arrive, so the caller never
  // acts on a partial set of fds, nor leaks it.
  if (truncated) {
    for (size_t i = 0; i < *nfds; i++) close(fds[i]);
    *nfds = 0;
    errno = EMSGSIZE;
    return -1;
  }
  return got;
}
