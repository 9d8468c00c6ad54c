// lab_call.cc: the per-thread mark of the running lab function (lab_call.h).
//
// The mark is thread-local, since Workers call lab functions on their own
// threads, and in the initial-exec TLS model, so reading it from a signal
// handler never allocates (a dlopen'ed library's TLS is otherwise set up
// lazily, on first use in each thread).
//
// See: signal-safety(7), the ELF TLS models (gcc -ftls-model).
#include "lab_call.h"

#include <atomic>

namespace {

thread_local const LabFunction* running __attribute__((tls_model("initial-exec"))) = nullptr;

}  // namespace

// The signal fences keep the compiler from moving the mark past the call it
// brackets: a crash inside the call must see it.
LabCall::LabCall(const LabFunction& lab) : outer_(running) {
  running = &lab;
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

LabCall::~LabCall() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
  running = outer_;
}

const LabFunction* RunningLabFunction() { return running; }
