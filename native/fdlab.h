// fdlab.h: the plain-POSIX functions each tree implements.
//
// labs/ holds the learner's versions, solutions/ the finished ones; native/
// compiles the frame with one tree's files into one addon per tree. These
// functions know nothing about Node: like the syscalls they wrap, each
// returns -1 and sets errno on failure.
//
// See: socketpair(2), sendmsg(2), recvmsg(2), unix(7), cmsg(3).
#ifndef FDLAB_H
#define FDLAB_H

#include <stddef.h>
#include <sys/types.h>

// The kernel's SCM_MAX_FD: the most fds one SCM_RIGHTS message may carry.
#define FDLAB_MAX_FDS 253

// Lab 01 (labs/01-socketpair/socketpair.cc).
// Creates a connected pair of AF_UNIX sockets of the given type
// (SOCK_STREAM, SOCK_SEQPACKET or SOCK_DGRAM) in fds[0] and fds[1], both
// close-on-exec. Returns 0, or -1 with errno set.
int fdlab_socketpair(int type, int fds[2]);

// Lab 03 (labs/03-sendmsg/sendmsg.cc).
// Sends len bytes of data and, when nfds > 0, the nfds descriptors in fds as
// one SCM_RIGHTS control message, in a single sendmsg(2). Never sends an
// empty message: with len == 0 it sends one byte, so the fds always ride on
// data (a stream drops fds sent with no data). flags are extra MSG_* flags
// from the frame (MSG_DONTWAIT when it must not block); the function adds
// MSG_NOSIGNAL so a closed peer gives EPIPE instead of SIGPIPE, and retries
// on EINTR. The caller keeps ownership of fds. Returns the bytes sent, or -1
// with errno set.
ssize_t fdlab_sendmsg(int sock, const int *fds, size_t nfds,
                      const void *data, size_t len, int flags);

// Lab 04 (labs/04-recvmsg/recvmsg.cc).
// Receives up to cap bytes into buf and up to maxfds descriptors into fds
// with a single recvmsg(2), setting *nfds to how many arrived (in the order
// they were sent). flags are extra MSG_* flags from the frame; the function
// adds MSG_CMSG_CLOEXEC so received fds never leak into a later exec, and
// retries on EINTR. If the control message was truncated (MSG_CTRUNC: more
// fds were sent than fit) or carried more than maxfds fds, it closes every
// fd that did arrive, sets *nfds to 0 and fails with errno EMSGSIZE. Returns the bytes received (0 with
// *nfds == 0 means the peer closed), or -1 with errno set.
ssize_t fdlab_recvmsg(int sock, void *buf, size_t cap,
                      int *fds, size_t maxfds, size_t *nfds, int flags);

// Lab 07 (labs/07-peercred/peercred.cc).
// Who is at the other end of the Unix socket sock, as the kernel recorded
// it when the pair was made or the connection accepted (SO_PEERCRED): its
// pid, uid and gid. Returns 0, or -1 with errno set.
int fdlab_peercred(int sock, pid_t *pid, uid_t *uid, gid_t *gid);

// Lab 08 (labs/08-cloexec/cloexec.cc).
// Sets (on != 0) or clears (on == 0) close-on-exec on fd, leaving its other
// fd flags as they were. Returns 0, or -1 with errno set.
int fdlab_set_cloexec(int fd, int on);

// Lab 10 (labs/10-console/pty.cc).
// Opens a new pseudo-terminal pair: *master gets the master side (read
// and write, close-on-exec, not made our controlling terminal) and
// slave_path (cap bytes) the slave's path, e.g. /dev/pts/3, ready to be
// opened. Returns 0, or -1 with errno set and no fd left open.
int fdlab_openpty(int *master, char *slave_path, size_t cap);

#endif
