// errno_error.h: the one place an errno becomes a JavaScript error, shaped
// like Node's own fs errors so learners recognise it:
//   Error { code: 'EBADF', errno: -9, syscall: 'sendmsg',
//           message: 'EBADF: bad file descriptor, sendmsg' }
//
// See: errno(3).
#ifndef FDLAB_ERRNO_ERROR_H
#define FDLAB_ERRNO_ERROR_H

#include <napi.h>

#include <string>

#include "lab_call.h"

// err is a positive errno value (as set by a failed syscall).
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall);

// A lab function's failure: the same error, and when the function is a stub
// (ENOSYS) or failed without setting errno, the message names it and its
// file, e.g. 'ENOSYS: function not implemented (fdlab_sendmsg in
// labs/03-sendmsg/sendmsg.cc is not written yet), sendmsg'.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const LabFunction& lab);

// The same error with `detail` in place of the standard text, for when the
// frame knows more about the cause than strerror does.
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall,
                       const std::string& detail);

// A TypeError with code ERR_INVALID_ARG_TYPE; the TypeScript layer checks
// arguments first, so this only guards the addon against direct misuse.
Napi::TypeError InvalidArgType(Napi::Env env, const char* what);

#endif
