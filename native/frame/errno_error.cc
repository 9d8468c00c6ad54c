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

// Which lab function and file stand behind each syscall name, so that an
// unwritten lab (its stub fails with ENOSYS) names the file to edit.
struct LabFunction {
  const char* syscall;
  const char* function;
  const char* file;
};
const LabFunction kLabFunctions[] = {
    {"socketpair", "fdlab_socketpair", "01-socketpair/socketpair.cc"},
    {"sendmsg", "fdlab_sendmsg", "03-sendmsg/sendmsg.cc"},
    {"recvmsg", "fdlab_recvmsg", "04-recvmsg/recvmsg.cc"},
    {"getsockopt", "fdlab_peercred", "07-peercred/peercred.cc"},
    {"fcntl", "fdlab_set_cloexec", "08-cloexec/cloexec.cc"},
    {"posix_openpt", "fdlab_openpty", "10-console/pty.cc"},
};

const LabFunction* LabFunctionFor(const char* syscall) {
  for (const LabFunction& lab : kLabFunctions) {
    if (strcmp(syscall, lab.syscall) == 0) return &lab;
  }
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
  const LabFunction* lab = LabFunctionFor(syscall);
  if (err == ENOSYS && lab != nullptr) {
    text += " (" + std::string(lab->function) + " in " FDLAB_TREE "/" +
            lab->file + " is not written yet)";
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
    const LabFunction* lab = LabFunctionFor(syscall);
    std::string function = lab != nullptr ? lab->function : std::string("fdlab_") + syscall;
    Napi::Error error = Napi::Error::New(
        env, function + " returned -1 but did not set errno (" FDLAB_TREE ")");
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
