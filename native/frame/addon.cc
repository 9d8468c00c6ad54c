// addon.cc: the addon's entry point and export table. The same frame is
// compiled once with labs/ and once with solutions/ (native/trees/*).
//
// The module is context-aware (NODE_API_MODULE): every Worker that loads it
// gets its own exports and its own state. The one process-wide thing is the
// crash reporter's signal handlers, installed once (crash_reporter.h).
#include <napi.h>

#include "crash_reporter.h"
#include "fd_flags.h"
#include "peer_credentials.h"
#include "poll_watcher.h"
#include "pty_calls.h"
#include "socket_calls.h"
#include "wait_sync.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitCrashReporter(env);
  exports.Set("tree", Napi::String::New(env, FDLAB_TREE));
  InitSocketCalls(env, exports);
  InitWaitSync(env, exports);
  InitPeerCredentials(env, exports);
  InitFdFlags(env, exports);
  InitPtyCalls(env, exports);
  PollWatcher::Init(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
