// lab_call.h: which lab function is running. The frame wraps every call
// into the tree's lab functions (fdlab.h) in a LabCall, which marks the
// function for two readers: ErrnoError, so a failure names the function and
// its file directly (an unwritten stub's ENOSYS says which file to edit),
// and the crash reporter (crash_reporter.h), which tells the check's kit
// which lab function was running when a fatal signal arrived.
//
// The file of each function comes from native/lab-functions.json, through
// the FDLAB_FILE_<function> defines common.gypi passes to the compiler.
//
// See: signal-safety(7) (why the crash report is a line built in advance).
#ifndef FDLAB_LAB_CALL_H
#define FDLAB_LAB_CALL_H

#include <stddef.h>

#ifndef FDLAB_TREE
#error "FDLAB_TREE must name the tree this addon is built from"
#endif

struct LabFunction {
  const char* name;        // fdlab_sendmsg
  const char* file;        // labs/03-sendmsg/sendmsg.cc (the tree's own path)
  const char* crash_line;  // the crash report, one JSON line
  size_t crash_line_length;
};

#define FDLAB_CRASH_LINE_(fn)                                       \
  "{\"event\":\"crash-in\",\"function\":\"" #fn "\",\"file\":\"" FDLAB_TREE \
  "/" FDLAB_FILE_##fn "\"}\n"

// A lab function's entry, all of it fixed at compile time: a signal handler
// can read it without allocating anything.
#define FDLAB_LAB_FUNCTION(fn)                                 \
  LabFunction {                                                \
    #fn, FDLAB_TREE "/" FDLAB_FILE_##fn, FDLAB_CRASH_LINE_(fn), \
        sizeof(FDLAB_CRASH_LINE_(fn)) - 1                      \
  }

// Marks lab as running on this thread for the object's lifetime (nests:
// the outer mark comes back when it ends).
class LabCall {
 public:
  explicit LabCall(const LabFunction& lab);
  ~LabCall();
  LabCall(const LabCall&) = delete;
  LabCall& operator=(const LabCall&) = delete;

 private:
  const LabFunction* outer_;
};

// The lab function running on this thread, or nullptr. Async-signal-safe.
const LabFunction* RunningLabFunction();

#endif
