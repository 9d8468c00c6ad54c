// fd_flags.h: registers setCloexec.
#ifndef FDLAB_FD_FLAGS_H
#define FDLAB_FD_FLAGS_H

#include <napi.h>

void InitFdFlags(Napi::Env env, Napi::Object exports);

#endif
