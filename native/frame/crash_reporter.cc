// crash_reporter.cc: the fatal-signal handlers (crash_reporter.h).
//
// The handler does only async-signal-safe things: it reads this thread's
// lab mark, write(2)s a line fixed in advance, puts back the signal's
// previous action and returns. A fault then happens again (a bad pointer
// faults at the same instruction) and ends the process as it would have
// without us; a signal sent by kill(2) or abort(3) is raised again.
//
// Two addons (labs and solutions) can be loaded in one check, each with its
// own handlers and its own lab mark. The one installed second hands a
// signal it has no lab mark for to the first (found at install time with
// dladdr(3): a handler in an fdlab_*.node), so the function that was
// really running is named, and exactly one line is written.
//
// See: sigaction(2), sigaltstack(2), signal-safety(7), dladdr(3).
#include "crash_reporter.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mutex>

#include "lab_call.h"

namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
constexpr char kOutsideLab[] = "{\"event\":\"crash-outside-lab\"}\n";
// Enough for the handler and libc's own frames, whatever MINSIGSTKSZ is.
constexpr size_t kAltStackSize = 64 * 1024;

int channel_fd = -1;
struct sigaction previous[NSIG];
bool previous_is_fdlab[NSIG];

void WriteAll(const char* text, size_t length) {
  while (length > 0) {
    ssize_t written = write(channel_fd, text, length);
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return;
    text += written;
    length -= static_cast<size_t>(written);
  }
}

void OnFatalSignal(int signal, siginfo_t* info, void* context) {
  int saved_errno = errno;
  const LabFunction* lab = RunningLabFunction();
  if (lab == nullptr && previous_is_fdlab[signal]) {
    // The other tree's addon knows whether one of its lab functions runs.
    previous[signal].sa_sigaction(signal, info, context);
    return;
  }
  struct sigaction fallback;
  memset(&fallback, 0, sizeof fallback);
  fallback.sa_handler = SIG_DFL;
  if (lab != nullptr) {
    WriteAll(lab->crash_line, lab->crash_line_length);
    sigaction(signal, &fallback, nullptr);
  } else {
    WriteAll(kOutsideLab, sizeof kOutsideLab - 1);
    sigaction(signal, &previous[signal], nullptr);
  }
  errno = saved_errno;
  // Sent, not caused by an instruction: returning would not repeat it.
  if (info == nullptr || info->si_code <= 0) raise(signal);
}

bool IsFdlabHandler(const struct sigaction& action) {
  if ((action.sa_flags & SA_SIGINFO) == 0 || action.sa_sigaction == nullptr) return false;
  Dl_info where;
  if (dladdr(reinterpret_cast<void*>(action.sa_sigaction), &where) == 0 || where.dli_fname == nullptr) {
    return false;
  }
  const char* base = strrchr(where.dli_fname, '/');
  base = base == nullptr ? where.dli_fname : base + 1;
  size_t length = strlen(base);
  return strncmp(base, "fdlab_", 6) == 0 && length > 5 && strcmp(base + length - 5, ".node") == 0;
}

// The channel named by FDLAB_CHECK_CHANNEL, or -1 when it is unset or not
// an open fd (then nothing is installed).
int ChannelFromEnvironment() {
  const char* value = getenv("FDLAB_CHECK_CHANNEL");
  if (value == nullptr || *value == '\0') return -1;
  char* end = nullptr;
  long fd = strtol(value, &end, 10);
  if (*end != '\0' || fd < 0 || fd > 1 << 20) return -1;
  return fcntl(static_cast<int>(fd), F_GETFD) != -1 ? static_cast<int>(fd) : -1;
}

void InstallHandlers() {
  channel_fd = ChannelFromEnvironment();
  if (channel_fd < 0) return;
  for (int signal : kFatalSignals) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = OnFatalSignal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESETHAND;
    sigemptyset(&action.sa_mask);
    if (sigaction(signal, &action, &previous[signal]) == 0) {
      previous_is_fdlab[signal] = IsFdlabHandler(previous[signal]);
    }
  }
}

// A stack for the handler to run on when the thread's own is used up (a
// runaway recursion), unless the thread already has one.
void AddAltStack(Napi::Env env) {
  stack_t current;
  if (sigaltstack(nullptr, &current) != 0 || (current.ss_flags & SS_DISABLE) == 0) return;
  void* memory = malloc(kAltStackSize);
  if (memory == nullptr) return;
  stack_t stack;
  stack.ss_sp = memory;
  stack.ss_size = kAltStackSize;
  stack.ss_flags = 0;
  if (sigaltstack(&stack, nullptr) != 0) {
    free(memory);
    return;
  }
  // A Worker's thread ends with its env: give the stack back first.
  env.AddCleanupHook([memory]() {
    stack_t now;
    if (sigaltstack(nullptr, &now) == 0 && now.ss_sp == memory) {
      stack_t off;
      memset(&off, 0, sizeof off);
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
    free(memory);
  });
}

}  // namespace

void InitCrashReporter(Napi::Env env) {
  static std::once_flag installed;
  std::call_once(installed, InstallHandlers);
  if (channel_fd >= 0) AddAltStack(env);
}
