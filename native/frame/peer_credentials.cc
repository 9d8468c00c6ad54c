// peer_credentials.cc: peerCredentials(sock), who is on the other end of a
// Unix socket, as the kernel recorded it when the pair was made or the
// connection accepted; the peer cannot forge it. The tree's
// fdlab_peercred (lab 07) asks the kernel.
//
// See: unix(7) (SO_PEERCRED), getsockopt(2), credentials(7).
#include "peer_credentials.h"

#include <errno.h>
#include <stdint.h>
#include <sys/types.h>

#include "../fdlab.h"
#include "args.h"
#include "errno_error.h"
#include "lab_call.h"

namespace {

const LabFunction kPeerCred = FDLAB_LAB_FUNCTION(fdlab_peercred);

Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = static_cast<int>(IntArg(info, 0, "sock", 0, INT32_MAX));
  pid_t pid = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  int status;
  {
    LabCall call(kPeerCred);
    errno = 0;
    status = fdlab_peercred(sock, &pid, &uid, &gid);
  }
  if (status != 0) throw ErrnoError(env, errno, "getsockopt", kPeerCred);
  Napi::Object result = Napi::Object::New(env);
  result.Set("pid", Napi::Number::New(env, pid));
  result.Set("uid", Napi::Number::New(env, uid));
  result.Set("gid", Napi::Number::New(env, gid));
  return result;
}

}  // namespace

void InitPeerCredentials(Napi::Env env, Napi::Object exports) {
  exports.Set("peerCredentials",
              Napi::Function::New(env, PeerCredentials, "peerCredentials"));
}
