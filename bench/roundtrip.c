/*
 * bench/roundtrip.c: the C reference for the round-trip benchmark. The
 * floor the addon is measured against: what the kernel alone costs for
 * "hand one open file and one byte to a child and get it back".
 *
 *   roundtrip ITERATIONS [WARMUP]
 *   FDLAB_BENCH_CHILD_CPU=N roundtrip ...   (the child on CPU N)
 *
 * The parent makes a socketpair and forks; the child echoes every message
 * (the byte and the fd) back and closes its copy of the fd, as the
 * TypeScript children in bench/ do. The parent times ITERATIONS round trips
 * after WARMUP untimed ones, checks every echo (same byte, one fd, the same
 * open file), and prints one line of JSON.
 *
 * See: socketpair(2), fork(2), sendmsg(2), recvmsg(2), unix(7) (SCM_RIGHTS),
 * cmsg(3), clock_gettime(2), sched_setaffinity(2).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "roundtrip: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* The same calls the addon's solutions make (solutions/03-sendmsg and
 * 04-recvmsg): one byte, one SCM_RIGHTS message, MSG_NOSIGNAL and
 * MSG_CMSG_CLOEXEC. Anything less would flatter C. */
static void send_fd(int sock, int fd, char byte) {
  struct iovec iov = {&byte, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  memset(control.buf, 0, sizeof control.buf);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
  ssize_t sent;
  do {
    sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  if (sent != 1) die("sendmsg");
}

/* Returns the fd that arrived, or -1 at end of file. */
static int recv_fd(int sock, char *byte) {
  struct iovec iov = {byte, 1};
  union {
    char buf[CMSG_SPACE(sizeof(int) * 16)];
    struct cmsghdr align;
  } control;
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  ssize_t got;
  do {
    got = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (got < 0 && errno == EINTR);
  if (got < 0) die("recvmsg");
  if (got == 0) return -1;
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  if (cmsg == NULL || cmsg->cmsg_type != SCM_RIGHTS ||
      cmsg->cmsg_len != CMSG_LEN(sizeof(int)) || (msg.msg_flags & MSG_CTRUNC)) {
    fprintf(stderr, "roundtrip: expected exactly one fd with the byte\n");
    exit(1);
  }
  int fd;
  memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
  return fd;
}

static void child(int sock) {
  char byte;
  int fd;
  while ((fd = recv_fd(sock, &byte)) >= 0) {
    send_fd(sock, fd, byte);
    close(fd);
  }
  _exit(0);
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: roundtrip ITERATIONS [WARMUP]\n");
    return 2;
  }
  long iterations = atol(argv[1]);
  long warmup = argc > 2 ? atol(argv[2]) : iterations / 10;
  if (iterations < 1 || warmup < 0) {
    fprintf(stderr, "roundtrip: ITERATIONS must be >= 1 and WARMUP >= 0\n");
    return 2;
  }

  /* The file handed back and forth: this program's own executable. */
  int file = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (file < 0) die("open /proc/self/exe");
  struct stat want;
  if (fstat(file, &want) != 0) die("fstat");

  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) die("socketpair");
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    close(pair[0]);
    /* The driver may want the child on another CPU than the parent, as
     * the TypeScript workers get theirs with taskset (bench/worker.ts). */
    const char *cpu = getenv("FDLAB_BENCH_CHILD_CPU");
    if (cpu != NULL && *cpu != '\0') {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(atoi(cpu), &set);
      if (sched_setaffinity(0, sizeof set, &set) != 0) die("sched_setaffinity");
    }
    child(pair[1]);
  }
  close(pair[1]);

  long echoed = 0;
  double start = 0;
  for (long i = 0; i < warmup + iterations; i++) {
    if (i == warmup) start = now_ns();
    char byte = (char)(i & 0x7f), back;
    send_fd(pair[0], file, byte);
    int fd = recv_fd(pair[0], &back);
    if (fd < 0 || back != byte) {
      fprintf(stderr, "roundtrip: echo %ld came back wrong\n", i);
      return 1;
    }
    /* One fstat on the first echo proves it is the same file; doing it
     * every time would add a syscall the other peers do not make. */
    if (i == 0) {
      struct stat got;
      if (fstat(fd, &got) != 0 || got.st_ino != want.st_ino || got.st_dev != want.st_dev) {
        fprintf(stderr, "roundtrip: the fd that came back is not the file sent\n");
        return 1;
      }
    }
    close(fd);
    echoed++;
  }
  double elapsed = now_ns() - start;

  close(pair[0]); /* end of file: the child leaves its loop */
  int status;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "roundtrip: the child failed\n");
    return 1;
  }
  printf("{\"peer\":\"c\",\"iterations\":%ld,\"echoed\":%ld,\"nsPerRoundTrip\":%.1f}\n",
         iterations, echoed, elapsed / (double)iterations);
  return 0;
}
