// crash_reporter.h: when a check's kit asks for it (env FDLAB_CHECK_CHANNEL
// names an inherited fd at addon load), a fatal signal is reported on that
// fd as one JSON line before the process dies of it:
//   {"event":"crash-in","function":"fdlab_sendmsg","file":"labs/03-sendmsg/sendmsg.cc"}
// while a lab function runs (lab_call.h), else {"event":"crash-outside-lab"}.
//
// See: sigaction(2), sigaltstack(2), signal-safety(7).
#ifndef FDLAB_CRASH_REPORTER_H
#define FDLAB_CRASH_REPORTER_H

#include <napi.h>

// Installs the handlers once per process (per addon; each addon loaded
// hands on to the one before it), and an alternate signal stack for this
// thread (so a stack overflow is reported too) until env is torn down.
void InitCrashReporter(Napi::Env env);

#endif
