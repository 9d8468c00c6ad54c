// socket_calls.h: registers socketpair, sendmsg, recvmsg and close.
#ifndef FDLAB_SOCKET_CALLS_H
#define FDLAB_SOCKET_CALLS_H

#include <napi.h>

void InitSocketCalls(Napi::Env env, Napi::Object exports);

#endif
