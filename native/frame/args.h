// args.h: reading the binding's arguments without ever crashing on a wrong
// type. The public TypeScript API validates first and gives the learner the
// friendly message; these checks keep the addon safe if it is called
// directly.
#ifndef FDLAB_ARGS_H
#define FDLAB_ARGS_H

#include <napi.h>

#include <stdint.h>

#include <vector>

// A whole number in [min, max], or a thrown TypeError naming `name`.
int64_t IntArg(const Napi::CallbackInfo& info, size_t index, const char* name,
               int64_t min, int64_t max);

bool BoolArg(const Napi::CallbackInfo& info, size_t index, const char* name);

// An array of fds (whole numbers >= 0).
std::vector<int> FdArrayArg(const Napi::CallbackInfo& info, size_t index,
                            const char* name);

// A Uint8Array (Buffer included): its bytes stay owned by JavaScript and
// valid for the duration of the call.
Napi::Uint8Array BytesArg(const Napi::CallbackInfo& info, size_t index,
                          const char* name);

#endif
