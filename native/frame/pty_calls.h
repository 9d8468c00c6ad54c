// pty_calls.h: registers openPty.
#ifndef FDLAB_PTY_CALLS_H
#define FDLAB_PTY_CALLS_H

#include <napi.h>

void InitPtyCalls(Napi::Env env, Napi::Object exports);

#endif
