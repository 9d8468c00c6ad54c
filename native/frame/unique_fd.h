// unique_fd.h: an owning file descriptor, closed when it goes out of scope,
// so an early return or a thrown error can never leak an fd.
//
// See: close(2).
#ifndef FDLAB_UNIQUE_FD_H
#define FDLAB_UNIQUE_FD_H

#include <unistd.h>

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }

  // Hands the fd to the caller, who now owns it.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

  // close(2) is not retried on EINTR: on Linux the fd is gone either way,
  // and a retry could close an fd another thread just opened.
  void reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

#endif
