// args.cc: argument checks for the binding (see args.h).
#include "args.h"

#include <math.h>

#include <algorithm>
#include <string>

#include "errno_error.h"

namespace {

int64_t ToWholeNumber(Napi::Env env, Napi::Value value, const char* name,
                      int64_t min, int64_t max) {
  if (!value.IsNumber()) {
    throw InvalidArgType(env, (std::string(name) + " must be a number").c_str());
  }
  double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= static_cast<double>(min) &&
        number <= static_cast<double>(max)) ||
      trunc(number) != number) {
    throw InvalidArgType(
        env, (std::string(name) + " must be a whole number in range").c_str());
  }
  return static_cast<int64_t>(number);
}

}  // namespace

int64_t IntArg(const Napi::CallbackInfo& info, size_t index, const char* name,
               int64_t min, int64_t max) {
  return ToWholeNumber(info.Env(), info[index], name, min, max);
}

bool BoolArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (!info[index].IsBoolean()) {
    throw InvalidArgType(info.Env(),
                         (std::string(name) + " must be a boolean").c_str());
  }
  return info[index].As<Napi::Boolean>().Value();
}

std::vector<int> FdArrayArg(const Napi::CallbackInfo& info, size_t index,
                            const char* name) {
  if (!info[index].IsArray()) {
    throw InvalidArgType(info.Env(),
                         (std::string(name) + " must be an array").c_str());
  }
  Napi::Array array = info[index].As<Napi::Array>();
  std::vector<int> fds;
  // Not the length itself: a sparse array may claim 2^32 - 1 entries.
  fds.reserve(std::min<uint32_t>(array.Length(), 256));
  for (uint32_t i = 0; i < array.Length(); i++) {
    fds.push_back(static_cast<int>(
        ToWholeNumber(info.Env(), array.Get(i), name, 0, INT32_MAX)));
  }
  return fds;
}

Napi::Uint8Array BytesArg(const Napi::CallbackInfo& info, size_t index,
                          const char* name) {
  if (!info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() !=
          napi_uint8_array) {
    throw InvalidArgType(
        info.Env(), (std::string(name) + " must be a Uint8Array").c_str());
  }
  return info[index].As<Napi::Uint8Array>();
}
