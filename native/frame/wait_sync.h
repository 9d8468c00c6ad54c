// wait_sync.h: registers waitSync, the blocking readiness wait.
#ifndef FDLAB_WAIT_SYNC_H
#define FDLAB_WAIT_SYNC_H

#include <napi.h>

void InitWaitSync(Napi::Env env, Napi::Object exports);

#endif
