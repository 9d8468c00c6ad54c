// fd_flags.cc: setCloexec(fd, on), close-on-exec switched on or off through
// the tree's fdlab_set_cloexec (lab 08), so a lab can show what a missing
// FD_CLOEXEC leaks into a grandchild, and fix it.
//
// See: fcntl(2) (F_GETFD, F_SETFD, FD_CLOEXEC), execve(2).
#include "fd_flags.h"

#include <errno.h>
#include <stdint.h>

#include "../fdlab.h"
#include "args.h"
#include "errno_error.h"
#include "lab_call.h"

namespace {

const LabFunction kSetCloexec = FDLAB_LAB_FUNCTION(fdlab_set_cloexec);

Napi::Value SetCloexec(const Napi::CallbackInfo& info) {
  int fd = static_cast<int>(IntArg(info, 0, "fd", 0, INT32_MAX));
  bool on = BoolArg(info, 1, "on");
  int status;
  {
    LabCall call(kSetCloexec);
    errno = 0;
    status = fdlab_set_cloexec(fd, on ? 1 : 0);
  }
  if (status != 0) throw ErrnoError(info.Env(), errno, "fcntl", kSetCloexec);
  return info.Env().Undefined();
}

}  // namespace

void InitFdFlags(Napi::Env env, Napi::Object exports) {
  exports.Set("setCloexec", Napi::Function::New(env, SetCloexec, "setCloexec"));
}
