// wait_sync.cc: waitSync(fd, events, timeoutMs), the blocking wait behind
// the *Sync API's timeouts. It blocks the calling thread, as a Sync call
// promises; the async API waits with poll_watcher.cc instead.
//
// See: poll(2), signal(7) (poll is never restarted after a signal handler).
#include "wait_sync.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

#include "args.h"
#include "errno_error.h"

namespace {

int64_t NowMs() {
  timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1000 + now.tv_nsec / 1000000;
}

// waitSync(fd, events: 1 readable | 2 writable, timeoutMs: -1 forever):
// true when ready (or hung up: the next call reports what happened),
// false when the time ran out.
Napi::Value WaitSync(const Napi::CallbackInfo& info) {
  int fd = static_cast<int>(IntArg(info, 0, "fd", 0, INT32_MAX));
  int64_t events = IntArg(info, 1, "events", 1, 3);
  int64_t timeout_ms = IntArg(info, 2, "timeoutMs", -1, INT32_MAX);

  pollfd entry = {fd, 0, 0};
  if (events & 1) entry.events |= POLLIN;
  if (events & 2) entry.events |= POLLOUT;
  int64_t deadline = timeout_ms < 0 ? -1 : NowMs() + timeout_ms;
  for (;;) {
    int wait_ms = -1;
    if (deadline >= 0) {
      int64_t left = deadline - NowMs();
      wait_ms = left > 0 ? static_cast<int>(left) : 0;
    }
    int ready = poll(&entry, 1, wait_ms);
    if (ready > 0) {
      if (entry.revents & POLLNVAL) throw ErrnoError(info.Env(), EBADF, "poll");
      return Napi::Boolean::New(info.Env(), true);
    }
    if (ready == 0) return Napi::Boolean::New(info.Env(), false);
    // A signal handler ran: wait again for whatever time is left.
    if (errno != EINTR) throw ErrnoError(info.Env(), errno, "poll");
  }
}

}  // namespace

void InitWaitSync(Napi::Env env, Napi::Object exports) {
  exports.Set("waitSync", Napi::Function::New(env, WaitSync, "waitSync"));
}
