// pty_calls.cc: openPty(), a new pseudo-terminal pair through the tree's
// fdlab_openpty (lab 10): the master fd, owned by the caller, and the
// slave's path. runC's --console-socket hands such a master to its caller.
//
// See: pty(7), posix_openpt(3), grantpt(3), unlockpt(3), ptsname(3).
#include "pty_calls.h"

#include <errno.h>
#include <string.h>

#include "../fdlab.h"
#include "errno_error.h"
#include "lab_call.h"
#include "unique_fd.h"

namespace {

const LabFunction kOpenPty = FDLAB_LAB_FUNCTION(fdlab_openpty);

Napi::Value OpenPty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int master = -1;
  char slave_path[128] = {0};
  int status;
  {
    LabCall call(kOpenPty);
    errno = 0;
    status = fdlab_openpty(&master, slave_path, sizeof slave_path);
  }
  if (status != 0) throw ErrnoError(env, errno, "posix_openpt", kOpenPty);
  UniqueFd owned(master);  // until JavaScript holds it
  Napi::Object result = Napi::Object::New(env);
  result.Set("master", Napi::Number::New(env, master));
  result.Set("slavePath", Napi::String::New(env, slave_path, strnlen(slave_path, sizeof slave_path)));
  owned.release();
  return result;
}

}  // namespace

void InitPtyCalls(Napi::Env env, Napi::Object exports) {
  exports.Set("openPty", Napi::Function::New(env, OpenPty, "openPty"));
}
