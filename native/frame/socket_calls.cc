// socket_calls.cc: the binding's socket functions. Each one checks its
// arguments, calls the tree's plain-POSIX function from fdlab.h, and turns
// the result into JavaScript values (fds owned by UniqueFd until JavaScript
// holds them) or a Node-style error.
//
// See: socketpair(2), sendmsg(2), recvmsg(2), close(2), getrlimit(2)
// (RLIMIT_NOFILE), proc(5) (/proc/self/fd).
#include "socket_calls.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "../fdlab.h"
#include "args.h"
#include "errno_error.h"
#include "lab_call.h"
#include "unique_fd.h"

namespace {

// The most bytes one receive may ask for; a larger buffer is a mistake.
constexpr int64_t kMaxRecvBytes = int64_t{1} << 30;

const LabFunction kSocketPair = FDLAB_LAB_FUNCTION(fdlab_socketpair);
const LabFunction kSendMsg = FDLAB_LAB_FUNCTION(fdlab_sendmsg);
const LabFunction kRecvMsg = FDLAB_LAB_FUNCTION(fdlab_recvmsg);

bool WouldBlock(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

// A lab function that breaks its own contract (reports more fds or bytes
// than it was given room for) is named plainly instead of trusted.
Napi::Error ContractError(Napi::Env env, const std::string& what) {
  Napi::Error error =
      Napi::Error::New(env, what + " (in the " FDLAB_TREE " tree)");
  error.Set("code", Napi::String::New(env, "ERR_FDLAB_CONTRACT"));
  return error;
}

// How many more fds this process may open now: RLIMIT_NOFILE less the fds
// already open. -1 when that cannot be told (no limit, no /proc).
int64_t FdRoom(int64_t* limit) {
  rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return -1;
  *limit = static_cast<int64_t>(rl.rlim_cur);
  DIR* dir = opendir("/proc/self/fd");
  // Not even one fd to spare for the listing: there is no room at all.
  if (dir == nullptr) return errno == EMFILE ? 0 : -1;
  int64_t open = -1;  // the listing's own fd is not the caller's
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') open++;
  }
  closedir(dir);
  return std::max<int64_t>(0, *limit - open);
}

// recvmsg's MSG_CTRUNC, which the lab reports as EMSGSIZE, has two causes:
// more fds were sent than the control buffer holds (maxFds), or this
// process had no room left in its fd table, so the kernel dropped the fds
// that did not fit. Told apart, the second is EMFILE, as open(2) would say.
Napi::Error TruncationError(Napi::Env env, size_t max_fds) {
  int64_t limit = 0;
  int64_t room = FdRoom(&limit);
  // The lab contract gives EMSGSIZE from recvmsg one meaning: the control
  // message was truncated. Say so, since "message too long" would mislead.
  if (room < 0 || static_cast<uint64_t>(room) >= max_fds) {
    return ErrnoError(env, EMSGSIZE, "recvmsg",
                      "control message truncated: more fds were sent than maxFds "
                      "allows, and every fd that did arrive was closed");
  }
  return ErrnoError(
      env, EMFILE, "recvmsg",
      "too many open files: the message's fds did not fit, as this process "
      "had room for only " + std::to_string(room) + " more under its "
      "open-file limit (RLIMIT_NOFILE " + std::to_string(limit) + ") or more "
      "than maxFds (" + std::to_string(max_fds) + ") were sent; the kernel "
      "dropped those that did not fit and every fd that did arrive was closed");
}

// socketpair(type: number): [number, number]
Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int type = static_cast<int>(IntArg(info, 0, "type", 0, INT32_MAX));
  int fds[2] = {-1, -1};
  int status;
  {
    LabCall call(kSocketPair);
    errno = 0;
    status = fdlab_socketpair(type, fds);
  }
  if (status != 0) throw ErrnoError(env, errno, "socketpair", kSocketPair);
  UniqueFd first(fds[0]);
  UniqueFd second(fds[1]);
  if (first.get() < 0 || second.get() < 0 || first.get() == second.get()) {
    throw ContractError(env, "fdlab_socketpair returned 0 but did not fill "
                             "fds[0] and fds[1] with two distinct fds");
  }
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(uint32_t{0}, Napi::Number::New(env, first.get()));
  pair.Set(uint32_t{1}, Napi::Number::New(env, second.get()));
  first.release();
  second.release();
  return pair;
}

// sendmsg(sock, fds: number[], data: Uint8Array, nonblocking: boolean):
// bytes sent, or -1 when the socket buffer is full and the call would block
// (always so with nonblocking; also for a socket someone set O_NONBLOCK on).
Napi::Value SendMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = static_cast<int>(IntArg(info, 0, "sock", 0, INT32_MAX));
  std::vector<int> fds = FdArrayArg(info, 1, "fds");
  Napi::Uint8Array data = BytesArg(info, 2, "data");
  bool nonblocking = BoolArg(info, 3, "nonblocking");
  ssize_t sent;
  {
    LabCall call(kSendMsg);
    errno = 0;
    sent = fdlab_sendmsg(sock, fds.data(), fds.size(), data.Data(),
                         data.ByteLength(), nonblocking ? MSG_DONTWAIT : 0);
  }
  if (sent < 0) {
    if (WouldBlock(errno)) return Napi::Number::New(env, -1);
    throw ErrnoError(env, errno, "sendmsg", kSendMsg);
  }
  // Zero bytes sent would make the caller's send loop spin forever.
  size_t offered = std::max<size_t>(data.ByteLength(), 1);
  if (sent == 0 || static_cast<size_t>(sent) > offered) {
    throw ContractError(env, "fdlab_sendmsg reported " + std::to_string(sent) +
                                 " bytes sent of " + std::to_string(offered) +
                                 " offered");
  }
  return Napi::Number::New(env, static_cast<double>(sent));
}

// recvmsg(sock, maxBytes, maxFds, nonblocking):
//   { data: Buffer, fds: number[] }, null at end of stream, or undefined
//   when nothing is waiting and the call would block.
Napi::Value RecvMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = static_cast<int>(IntArg(info, 0, "sock", 0, INT32_MAX));
  size_t cap = static_cast<size_t>(IntArg(info, 1, "maxBytes", 1, kMaxRecvBytes));
  size_t max_fds = static_cast<size_t>(IntArg(info, 2, "maxFds", 1, FDLAB_MAX_FDS));
  bool nonblocking = BoolArg(info, 3, "nonblocking");

  // Up to 1 GiB: failing to get it is an error, not a crash.
  std::unique_ptr<char[]> buf(new (std::nothrow) char[cap]);
  if (buf == nullptr) throw ErrnoError(env, ENOMEM, "recvmsg");
  int fds[FDLAB_MAX_FDS];
  std::fill(fds, fds + FDLAB_MAX_FDS, -1);
  size_t nfds = 0;
  ssize_t got;
  {
    LabCall call(kRecvMsg);
    errno = 0;
    got = fdlab_recvmsg(sock, buf.get(), cap, fds, max_fds, &nfds,
                        nonblocking ? MSG_DONTWAIT : 0);
  }
  if (got < 0) {
    int err = errno;
    if (WouldBlock(err)) return env.Undefined();
    if (err == EMSGSIZE) throw TruncationError(env, max_fds);
    throw ErrnoError(env, err, "recvmsg", kRecvMsg);
  }
  // A function that reports more than it was given room for has written
  // who knows what into fds: closing those numbers could close the caller's
  // own files (a uid of 0 read as an fd is stdin), so none is touched.
  if (nfds > max_fds || static_cast<size_t>(got) > cap) {
    throw ContractError(env, "fdlab_recvmsg reported " + std::to_string(got) +
                                 " bytes and " + std::to_string(nfds) +
                                 " fds, more than the buffers it was given; "
                                 "no fd was closed");
  }
  // From here until JavaScript holds them, the fds belong to these guards.
  std::vector<UniqueFd> received;
  for (size_t i = 0; i < nfds; i++) received.emplace_back(fds[i]);
  if (got == 0 && nfds == 0) return env.Null();

  Napi::Array fd_array = Napi::Array::New(env, nfds);
  for (size_t i = 0; i < nfds; i++) {
    fd_array.Set(static_cast<uint32_t>(i), Napi::Number::New(env, fds[i]));
  }
  Napi::Object message = Napi::Object::New(env);
  message.Set("data", Napi::Buffer<char>::Copy(env, buf.get(), got));
  message.Set("fds", fd_array);
  for (UniqueFd& fd : received) fd.release();
  return message;
}

// close(fd): undefined
Napi::Value Close(const Napi::CallbackInfo& info) {
  int fd = static_cast<int>(IntArg(info, 0, "fd", 0, INT32_MAX));
  if (close(fd) != 0 && errno != EINTR) throw ErrnoError(info.Env(), errno, "close");
  return info.Env().Undefined();
}

}  // namespace

void InitSocketCalls(Napi::Env env, Napi::Object exports) {
  exports.Set("socketpair", Napi::Function::New(env, SocketPair, "socketpair"));
  exports.Set("sendmsg", Napi::Function::New(env, SendMsg, "sendmsg"));
  exports.Set("recvmsg", Napi::Function::New(env, RecvMsg, "recvmsg"));
  exports.Set("close", Napi::Function::New(env, Close, "close"));
  exports.Set("SOCK_STREAM", Napi::Number::New(env, SOCK_STREAM));
  exports.Set("SOCK_SEQPACKET", Napi::Number::New(env, SOCK_SEQPACKET));
  exports.Set("SOCK_DGRAM", Napi::Number::New(env, SOCK_DGRAM));
  exports.Set("MAX_FDS", Napi::Number::New(env, FDLAB_MAX_FDS));
}
