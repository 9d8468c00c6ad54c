// Lab 03 solution: fdlab_sendmsg, send bytes and open files in one message.
//
// SCM_RIGHTS does not send fd numbers: the kernel looks up the open file
// description behind each fd, takes a reference, and installs it in the
// receiver's fd table under whatever number is free there. Both processes
// then share one open file (same inode, same offset, same flags).
//
// See: sendmsg(2), unix(7) (SCM_RIGHTS), cmsg(3).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "../../native/fdlab.h"

ssize_t fdlab_sendmsg(int sock, const int *fds, size_t nfds,
                      const void *data, size_t len, int flags) {
  // The fds ride on the data: a stream socket silently drops a control
  // message sent with no data, and on a SOCK_SEQPACKET socket an empty
  // message would read as end-of-file. So never send zero bytes.
  static const char one_byte = 0;
  iovec iov;
  iov.iov_base = const_cast<void *>(len > 0 ? data : &one_byte);
  iov.iov_len = len > 0 ? len : 1;

  msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;

  // The control buffer holds one cmsghdr followed by the int array, padded
  // to the alignment CMSG_SPACE includes. A union with cmsghdr aligns it.
  union {
    char buf[CMSG_SPACE(sizeof(int) * FDLAB_MAX_FDS)];
    cmsghdr align;
  } control;
  if (nfds > 0) {
    // More than SCM_MAX_FD is refused by the kernel with EINVAL; refusing
    // here too keeps us from writing past the buffer above.
    if (nfds > FDLAB_MAX_FDS) {
      errno = EINVAL;
      return -1;
    }
    memset(control.buf, 0, sizeof control.buf);
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
  }

  // MSG_NOSIGNAL: a peer that has gone away gives EPIPE here instead of a
  // SIGPIPE that would kill a process which did not ignore it.
  ssize_t sent;
  do {
    sent = sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);  // a signal handler ran: try again
  return sent;
}
