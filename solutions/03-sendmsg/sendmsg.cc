// Lab 03 solution: fdlab_sendmsg, send bytes and open files in one message.
//
// SCM_RIGHTS does not send fd numbers: the kernel looks up the open file
// description behind each fd, takes a reference to it, and installs it in
// the receiver's fd table under whatever number is free there. Both
// processes then share one open file (same inode, same offset, same status
// flags), and the sender still owns its own fds.
//
// See: sendmsg(2), unix(7) (SCM_RIGHTS), cmsg(3), send(2) (MSG_NOSIGNAL).
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "../../native/fdlab.h"

ssize_t fdlab_sendmsg(int sock, const int *fds, size_t nfds,
                      const void *data, size_t len, int flags) {
  // The kernel refuses more than SCM_MAX_FD with EINVAL too, but only after
  // we had copied them: refusing first keeps that copy inside its buffer.
  if (nfds > FDLAB_MAX_FDS) {
    errno = EINVAL;
    return -1;
  }

  // The fds ride on the data: a stream socket silently drops a control
  // message sent with no data, and on a SOCK_SEQPACKET socket an empty
  // message would read as end-of-file. So never send zero bytes (and with
  // len == 0, data may be NULL).
  static const char one_byte = 0;
  iovec iov;
  iov.iov_base = const_cast<void *>(len > 0 ? data : &one_byte);
  iov.iov_len = len > 0 ? len : 1;

  // Zeroed first: a connected socket needs msg_name NULL, and with no fds
  // msg_control stays NULL, so no control message is sent at all.
  msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;

  // Room for the most fds any call may send, so no count can overflow it.
  // The union aligns the buffer for the cmsghdr that CMSG_FIRSTHDR places
  // at its start, which a char array alone does not guarantee.
  union {
    char buf[CMSG_SPACE(sizeof(int) * FDLAB_MAX_FDS)];
    cmsghdr align;
  } control;
  if (nfds > 0) {
    // Only the space this one message takes, padding included: the kernel
    // would read anything beyond as a further (garbage) cmsg and fail with
    // EINVAL. Zeroed, so the padding hands the kernel no stale stack bytes.
    msg.msg_control = control.buf;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    memset(control.buf, 0, msg.msg_controllen);
    cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    // CMSG_DATA is an unsigned char *: copy bytes rather than cast it to an
    // int *. The receiver gets the fds in this order.
    memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
  }

  // flags are the frame's (MSG_DONTWAIT when it waits on the event loop
  // instead of here), so they must reach the kernel. MSG_NOSIGNAL: a peer
  // that has gone away gives EPIPE here instead of a SIGPIPE that would
  // kill a process which did not ignore it. EINTR means a signal handler
  // (one without SA_RESTART, or any with a send timeout set) interrupted the
  // wait before anything was sent, so the same message is simply sent again.
  ssize_t sent;
  do {
    sent = sendmsg(sock, &msg, flags | MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return sent;
}
