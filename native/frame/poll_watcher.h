// poll_watcher.h: a JavaScript class around one uv_poll_t, the way the async
// API waits for a socket to become readable or writable without blocking the
// event loop or taking a libuv thread-pool thread.
//
//   const w = new PollWatcher(fd, (status, events) => { ... });
//   w.start(READABLE | WRITABLE); w.stop(); w.close();
//
// libuv allows one poll handle per fd per loop, so native/readiness.ts keeps
// at most one PollWatcher per fd and shares it between waiters.
//
// See: uv_poll_t in the libuv docs, epoll(7).
#ifndef FDLAB_POLL_WATCHER_H
#define FDLAB_POLL_WATCHER_H

#include <napi.h>
#include <uv.h>

#include <memory>
#include <set>

class PollWatcher;

// Per-environment state (main thread or one Worker): the watchers still open,
// so that an exiting environment can close them before its loop goes away.
struct PollState {
  std::set<PollWatcher*> open;
  size_t handles_alive = 0;
  napi_async_cleanup_hook_handle cleanup_hook = nullptr;
};

class PollWatcher : public Napi::ObjectWrap<PollWatcher> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit PollWatcher(const Napi::CallbackInfo& info);
  ~PollWatcher() override;

  // Stops watching and closes the handle; safe to call more than once.
  // After it returns the fd is out of the loop's epoll set, so the caller may
  // close the fd at once; the handle's memory is freed by libuv later.
  void Close();

 private:
  struct Handle;

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value CloseFromJs(const Napi::CallbackInfo& info);
  static void OnPoll(uv_poll_t* poll, int status, int events);
  static void OnClosed(uv_handle_t* handle);

  Handle* handle_ = nullptr;
  Napi::FunctionReference callback_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
};

#endif
