// socket_calls.cc: the binding's socket functions. Each one checks its
// arguments, calls the tree's plain-POSIX function from fdlab.h, and turns
// the result into JavaScript values (fds owned by UniqueFd until JavaScript
// holds them) or a Node-style error.
//
// See: socketpair(2), sendmsg(2), recvmsg(2), close(2).
#include "socket_calls.h"

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "../fdlab.h"
#include "args.h"
#include "errno_error.h"
#include "unique_fd.h"

namespace {

// The most bytes one receive may ask for; a larger buffer is a mistake.
constexpr int64_t kMaxRecvBytes = int64_t{1} << 30;

bool WouldBlock(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

// A lab function that breaks its own contract (reports more fds or bytes
// than it was given room for) is named plainly instead of trusted.
Napi::Error ContractError(Napi::Env env, const std::string& what) {
  Napi::Error error =
      Napi::Error::New(env, what + " (in the " FDLAB_TREE " tree)");
  error.Set("code", Napi::String::New(env, "ERR_FDLAB_CONTRACT"));
  return error;
}

// socketpair(type: number): [number, number]
Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int type = static_cast<int>(IntArg(info, 0, "type", 0, INT32_MAX));
  int fds[2] = {-1, -1};
  errno = 0;
  if (fdlab_socketpair(type, fds) != 0) throw ErrnoError(env, errno, "socketpair");
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
  errno = 0;
  ssize_t sent = fdlab_sendmsg(sock, fds.data(), fds.size(), data.Data(),
                               data.ByteLength(), nonblocking ? MSG_DONTWAIT : 0);
  if (sent < 0) {
    if (WouldBlock(errno)) return Napi::Number::New(env, -1);
    throw ErrnoError(env, errno, "sendmsg");
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

  std::unique_ptr<char[]> buf(new char[cap]);
  int fds[FDLAB_MAX_FDS];
  std::fill(fds, fds + FDLAB_MAX_FDS, -1);
  size_t nfds = 0;
  errno = 0;
  ssize_t got = fdlab_recvmsg(sock, buf.get(), cap, fds, max_fds, &nfds,
                              nonblocking ? MSG_DONTWAIT : 0);
  if (got < 0) {
    if (WouldBlock(errno)) return env.Undefined();
    throw ErrnoError(env, errno, "recvmsg");
  }
  // From here until JavaScript holds them, the fds belong to these guards.
  std::vector<UniqueFd> received;
  for (size_t i = 0; i < std::min(nfds, max_fds); i++) received.emplace_back(fds[i]);
  if (nfds > max_fds || static_cast<size_t>(got) > cap) {
    throw ContractError(env, "fdlab_recvmsg reported " + std::to_string(got) +
                                 " bytes and " + std::to_string(nfds) +
                                 " fds, more than the buffers it was given");
  }
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
