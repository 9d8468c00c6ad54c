// errno_error.cc: errno to a Node-style error (see errno_error.h).
//
// libuv's uv_err_name/uv_strerror give the very names and texts Node's fs
// errors use, so 'EBADF: bad file descriptor, close' reads the same here.
//
// See: errno(3).
#include "errno_error.h"

#include <errno.h>
#include <string.h>
#include <uv.h>

#include <string>

#ifndef FDLAB_TREE
#error "FDLAB_TREE must name the tree this addon is built from"
#endif

namespace {

// Which lab file implements the function behind each syscall, so that an
// unwritten lab (its stub fails with ENOSYS) names the file to edit.
const char* LabFileFor(const char* syscall) {
  if (strcmp(syscall, "socketpair") == 0) return "01-socketpair/socketpair.cc";
  if (strcmp(syscall, "sendmsg") == 0) return "03-sendmsg/sendmsg.cc";
  if (strcmp(syscall, "recvmsg") == 0) return "04-recvmsg/recvmsg.cc";
  return nullptr;
}

std::string Describe(int err, const char* syscall) {
  // The lab contract gives EMSGSIZE from recvmsg one meaning: the control
  // message was truncated. Say so, since "message too long" would mislead.
  if (err == EMSGSIZE && strcmp(syscall, "recvmsg") == 0) {
    return "control message truncated: more fds were sent than maxFds "
           "allows, and every fd that did arrive was closed";
  }
  std::string text = uv_strerror(-err);
  const char* file = LabFileFor(syscall);
  if (err == ENOSYS && file != nullptr) {
    text += " (fdlab_" + std::string(syscall) + " in " FDLAB_TREE "/" + file +
            " is not written yet)";
  }
  return text;
}

}  // namespace

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  if (err <= 0) return ErrnoError(env, err, syscall, "");
  return ErrnoError(env, err, syscall, Describe(err, syscall));
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall,
                       const std::string& detail) {
  // A lab function that returns -1 without setting errno is a bug in that
  // function; report it as such rather than as "Unknown system error 0".
  if (err <= 0) {
    Napi::Error error = Napi::Error::New(
        env, std::string("fdlab_") + syscall +
                 " returned -1 but did not set errno (" FDLAB_TREE ")");
    error.Set("code", Napi::String::New(env, "ERR_FDLAB_NO_ERRNO"));
    error.Set("syscall", Napi::String::New(env, syscall));
    return error;
  }
  std::string code = uv_err_name(-err);
  std::string message = code + ": " + detail + ", " + syscall;
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("errno", Napi::Number::New(env, -err));
  error.Set("code", Napi::String::New(env, code));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

Napi::TypeError InvalidArgType(Napi::Env env, const char* what) {
  Napi::TypeError error = Napi::TypeError::New(env, what);
  error.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  return error;
}
