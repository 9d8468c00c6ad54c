// native/readiness.ts: waiting, without blocking, for an fd to become
// readable or writable: the async API's only way to wait.
//
// Each wait is a uv_poll_t on this thread's own event loop (a PollWatcher
// from the addon), never a libuv thread-pool thread, so thousands of pending
// receives cost no threads and leave the loop free. libuv allows one poll
// handle per fd per loop, so all waiters on one fd share one watcher. The
// watcher is stopped (out of the loop's epoll set) as soon as nobody waits,
// and kept for the next wait on that fd: making one per wait costs more
// syscalls than the receive itself. closeFd closes it before the fd.
//
// See: epoll(7), and uv_poll_t in the libuv docs.
import type { Binding, PollWatcher } from './binding.ts';
import { AbortError, errnoError, timeoutError } from './errors.ts';

export interface WaitOptions {
  /** performance.now() time at which to give up with ETIMEDOUT. */
  deadline?: number;
  /** The whole timeout the caller asked for, named in the error. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The call that is waiting, named in a timeout error. */
  syscall: string;
}

interface Waiter {
  events: number;
  settle(error?: Error): void;
}

interface FdWatch {
  watcher: PollWatcher;
  waiters: Set<Waiter>;
  events: number;
}

// Keyed by fd and shared by both trees' addons: the frame is the same, and
// two poll handles on one fd in one loop would confuse libuv.
const watches = new Map<number, FdWatch>();

function removeWaiter(fd: number, waiter: Waiter): void {
  const watch = watches.get(fd);
  if (watch === undefined || !watch.waiters.delete(waiter)) return;
  if (watch.waiters.size === 0) {
    watch.watcher.stop();
    watch.events = 0;
    return;
  }
  let events = 0;
  for (const w of watch.waiters) events |= w.events;
  if (events !== watch.events) {
    watch.events = events;
    watch.watcher.start(events);
  }
}

function onPollEvent(fd: number, status: number, events: number): void {
  const watch = watches.get(fd);
  if (watch === undefined) return;
  for (const waiter of [...watch.waiters]) {
    // An error or hang-up wakes everyone: their next syscall reports it.
    if (status < 0 || (waiter.events & events) !== 0) {
      removeWaiter(fd, waiter);
      waiter.settle();
    }
  }
}

/** Resolves when fd is ready for `events` (binding.READABLE / WRITABLE). */
export function waitReady(binding: Binding, fd: number, events: number, opts: WaitOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => {
      removeWaiter(fd, waiter);
      waiter.settle(new AbortError(undefined, { cause: opts.signal?.reason }));
    };
    const waiter: Waiter = {
      events,
      settle(error) {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      },
    };

    if (opts.signal?.aborted) {
      onAbort();
      return;
    }
    let watch = watches.get(fd);
    if (watch === undefined) {
      const watcher = new binding.PollWatcher(fd, (status, ready) => onPollEvent(fd, status, ready));
      watch = { watcher, waiters: new Set(), events: 0 };
      watches.set(fd, watch);
    }
    watch.waiters.add(waiter);
    if ((watch.events | events) !== watch.events) {
      watch.events |= events;
      try {
        watch.watcher.start(watch.events);
      } catch (error) {
        removeWaiter(fd, waiter);
        waiter.settle(error as Error);
        return;
      }
    }
    if (opts.deadline !== undefined) {
      timer = setTimeout(
        () => {
          removeWaiter(fd, waiter);
          waiter.settle(timeoutError(opts.syscall, opts.timeoutMs ?? 0));
        },
        Math.max(0, opts.deadline - performance.now()),
      );
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Stops watching fd before it is closed: the poll handle leaves the loop's
 * epoll set first, and anyone still waiting fails with EBADF.
 */
export function forgetFd(fd: number): void {
  const watch = watches.get(fd);
  if (watch === undefined) return;
  watches.delete(fd);
  watch.watcher.close();
  for (const waiter of watch.waiters) {
    waiter.settle(errnoError('EBADF', 'poll', 'the fd was closed with closeFd while waiting on it'));
  }
}
