// peer_credentials.h: registers peerCredentials (SO_PEERCRED).
#ifndef FDLAB_PEER_CREDENTIALS_H
#define FDLAB_PEER_CREDENTIALS_H

#include <napi.h>

void InitPeerCredentials(Napi::Env env, Napi::Object exports);

#endif
