// errno_error.cc: errno to a Node-style error (see errno_error.h).
//
// libuv's uv_err_name/uv_strerror give the very names and texts Node's fs
// errors use, so 'EBADF: bad file descriptor, close' reads the same here.
//
// See: errno(3).
#include "errno_error.h"

#include <errno.h>
#include <uv.h>

#include <string>

namespace {

// A lab function that returns -1 without setting errno is a bug in that
// function; report it as such rather than as "Unknown system error 0".
Napi::Error NoErrnoError(Napi::Env env, const std::string& function, const char* syscall) {
  Napi::Error error = Napi::Error::New(
      env, function + " returned -1 but did not set errno (" FDLAB_TREE ")");
  error.Set("code", Napi::String::New(env, "ERR_FDLAB_NO_ERRNO"));
  error.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

}  // namespace

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  if (err <= 0) return NoErrnoError(env, std::string("fdlab_") + syscall, syscall);
  return ErrnoError(env, err, syscall, std::string(uv_strerror(-err)));
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const LabFunction& lab) {
  if (err <= 0) return NoErrnoError(env, lab.name, syscall);
  std::string text = uv_strerror(-err);
  if (err == ENOSYS) {
    text += " (" + std::string(lab.name) + " in " + lab.file + " is not written yet)";
  }
  return ErrnoError(env, err, syscall, text);
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall,
                       const std::string& detail) {
  if (err <= 0) return NoErrnoError(env, std::string("fdlab_") + syscall, syscall);
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
