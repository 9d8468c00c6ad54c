// poll_watcher.cc: uv_poll_t on the environment's own loop (see
// poll_watcher.h).
//
// Rules this file keeps:
// - The loop is the one napi_get_uv_event_loop gives for this environment,
//   never uv_default_loop(): a Worker has its own.
// - uv_poll_stop runs before anyone may close the fd (Close() stops first).
// - uv_poll_init makes the fd O_NONBLOCK, a flag of the open file
//   description that every process sharing it sees. The kit never needs it
//   (its nonblocking calls pass MSG_DONTWAIT), so a blocking socket is made
//   blocking again at once.
// - An environment that exits with watchers open closes them in an async
//   cleanup hook and reports done only once libuv has freed every handle.
//
// See: uv_poll_t and uv_close in the libuv docs; napi_add_async_cleanup_hook
// in the Node-API docs.
#include "poll_watcher.h"

#include <fcntl.h>
#include <stdint.h>

#include "args.h"
#include "errno_error.h"

struct PollWatcher::Handle {
  uv_poll_t poll;
  PollWatcher* owner;
  // Shared so the state outlives the environment while libuv still owes us
  // close callbacks.
  std::shared_ptr<PollState> state;
};

namespace {

std::shared_ptr<PollState>& StateOf(Napi::Env env) {
  return *env.GetInstanceData<std::shared_ptr<PollState>>();
}

void CloseAllOnExit(napi_async_cleanup_hook_handle hook, void* arg) {
  std::shared_ptr<PollState> state =
      *static_cast<std::shared_ptr<PollState>*>(arg);
  state->cleanup_hook = hook;
  // Close() erases from the set, so take the set first.
  std::set<PollWatcher*> open;
  open.swap(state->open);
  for (PollWatcher* watcher : open) watcher->Close();
  if (state->handles_alive == 0) napi_remove_async_cleanup_hook(hook);
}

}  // namespace

void PollWatcher::Init(Napi::Env env, Napi::Object exports) {
  auto* state = new std::shared_ptr<PollState>(std::make_shared<PollState>());
  env.SetInstanceData<std::shared_ptr<PollState>>(state);
  napi_add_async_cleanup_hook(env, CloseAllOnExit, state, nullptr);

  Napi::Function ctor = DefineClass(
      env, "PollWatcher",
      {InstanceMethod<&PollWatcher::Start>("start"),
       InstanceMethod<&PollWatcher::Stop>("stop"),
       InstanceMethod<&PollWatcher::CloseFromJs>("close")});
  exports.Set("PollWatcher", ctor);
  exports.Set("READABLE", Napi::Number::New(env, UV_READABLE));
  exports.Set("WRITABLE", Napi::Number::New(env, UV_WRITABLE));
}

PollWatcher::PollWatcher(const Napi::CallbackInfo& info)
    : Napi::ObjectWrap<PollWatcher>(info) {
  Napi::Env env = info.Env();
  int fd = static_cast<int>(IntArg(info, 0, "fd", 0, INT32_MAX));
  if (!info[1].IsFunction()) throw InvalidArgType(env, "callback must be a function");

  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) {
    throw Napi::Error::New(env, "no event loop for this environment");
  }
  // Everything that may throw comes before the handle exists: a throwing
  // constructor never runs the destructor that would close it.
  callback_ = Napi::Persistent(info[1].As<Napi::Function>());
  async_context_ = std::make_unique<Napi::AsyncContext>(env, "fdlab:PollWatcher");
  std::shared_ptr<PollState>& state = StateOf(env);
  int flags = fcntl(fd, F_GETFL);
  auto* handle = new Handle{{}, this, state};
  int err = uv_poll_init(loop, &handle->poll, fd);
  if (err != 0) {
    delete handle;
    throw ErrnoError(env, -err, "poll");
  }
  if (flags >= 0 && (flags & O_NONBLOCK) == 0) fcntl(fd, F_SETFL, flags);
  handle->poll.data = handle;
  handle_ = handle;
  state->open.insert(this);
  state->handles_alive++;
}

PollWatcher::~PollWatcher() { Close(); }

void PollWatcher::Close() {
  if (handle_ == nullptr) return;
  uv_poll_stop(&handle_->poll);
  handle_->owner = nullptr;
  handle_->state->open.erase(this);
  uv_close(reinterpret_cast<uv_handle_t*>(&handle_->poll), OnClosed);
  handle_ = nullptr;
}

void PollWatcher::OnClosed(uv_handle_t* closed) {
  auto* handle = static_cast<Handle*>(closed->data);
  std::shared_ptr<PollState> state = handle->state;
  delete handle;
  state->handles_alive--;
  if (state->handles_alive == 0 && state->cleanup_hook != nullptr) {
    napi_remove_async_cleanup_hook(state->cleanup_hook);
    state->cleanup_hook = nullptr;
  }
}

Napi::Value PollWatcher::Start(const Napi::CallbackInfo& info) {
  int events = static_cast<int>(IntArg(info, 0, "events", 1, UV_READABLE | UV_WRITABLE));
  if (handle_ == nullptr) throw ErrnoError(info.Env(), EBADF, "poll");
  int err = uv_poll_start(&handle_->poll, events, OnPoll);
  if (err != 0) throw ErrnoError(info.Env(), -err, "poll");
  return info.Env().Undefined();
}

Napi::Value PollWatcher::Stop(const Napi::CallbackInfo& info) {
  if (handle_ != nullptr) uv_poll_stop(&handle_->poll);
  return info.Env().Undefined();
}

Napi::Value PollWatcher::CloseFromJs(const Napi::CallbackInfo& info) {
  Close();
  return info.Env().Undefined();
}

// Plain Node-API calls here, no C++ exceptions: libuv calls this, so nothing
// above could catch one, and a Worker being terminated can still deliver
// the events its last poll returned. Its JavaScript can no longer run then:
// each call fails, and the event is dropped, as the Worker is going away.
void PollWatcher::OnPoll(uv_poll_t* poll, int status, int events) {
  PollWatcher* self = static_cast<Handle*>(poll->data)->owner;
  if (self == nullptr) return;
  napi_env env = self->Env();
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value receiver = nullptr;
  napi_value callback = nullptr;
  napi_value argv[2];
  napi_value result;
  if (napi_get_reference_value(env, self->callback_, &callback) == napi_ok &&
      napi_get_reference_value(env, static_cast<napi_ref>(*self), &receiver) == napi_ok &&
      callback != nullptr && receiver != nullptr &&
      napi_create_int32(env, status, &argv[0]) == napi_ok &&
      napi_create_int32(env, events, &argv[1]) == napi_ok &&
      napi_make_callback(env, *self->async_context_, receiver, callback, 2, argv,
                         &result) == napi_pending_exception) {
    // The callback threw: hand the error to process 'uncaughtException',
    // as an exception in any other callback from the loop would be.
    napi_value error;
    if (napi_get_and_clear_last_exception(env, &error) == napi_ok) {
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}
