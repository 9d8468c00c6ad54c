// native/index.ts: fdlab's public API, a contract (DESIGN.md): the kit's own
// tests, the lab checks and outside checks all call it.
//
//   import { socketpair, sendFds, recvFds, closeFd } from './native/index.ts';
//   const [a, b] = socketpair();
//   await sendFds(a, [fileFd], 'here');
//   const msg = await recvFds(b);   // { data, fds }, or null when a closed
//
// Ownership: socketpair and recvFds* return fds the caller owns (and must
// close with closeFd); sendFds* never closes what it sends. Every fd this API
// creates or receives is close-on-exec.
//
// See: unix(7), sendmsg(2), recvmsg(2), cmsg(3).
import { loadBinding, type Binding, type Tree } from './binding.ts';
import { timeoutError, AbortError } from './errors.ts';
import { forgetFd, waitReady } from './readiness.ts';
import {
  checkFd,
  checkFdList,
  checkRecvOptions,
  checkSocketType,
  toBytes,
  type CheckedRecvOptions,
  type SocketType,
} from './validate.ts';

export type { Tree } from './binding.ts';
export type { ErrnoError } from './errors.ts';
export { AbortError } from './errors.ts';
export type { SocketType } from './validate.ts';

export interface RecvOptions {
  /** Most fds to accept, 1..253 (SCM_MAX_FD); default 16. More is an error that closes them all. */
  maxFds?: number;
  /** Most bytes to read, default 65536. */
  maxBytes?: number;
  /** Give up with code 'ETIMEDOUT' after this long; default: wait forever. */
  timeoutMs?: number;
  /** Give up with an AbortError when this signal aborts. */
  signal?: AbortSignal;
}

export interface Received {
  data: Buffer;
  fds: number[];
}

export interface Fdlab {
  /** A connected pair of Unix sockets, both close-on-exec. */
  socketpair(type?: SocketType): [number, number];
  /** Sends data (one byte if empty) with fds attached; resolves to the bytes sent. */
  sendFds(sock: number, fds: readonly number[], data?: Uint8Array | string): Promise<number>;
  sendFdsSync(sock: number, fds: readonly number[], data?: Uint8Array | string): number;
  /** The next message and its fds, or null when the peer closed (EOF). */
  recvFds(sock: number, opts?: RecvOptions): Promise<Received | null>;
  recvFdsSync(sock: number, opts?: RecvOptions): Received | null;
  closeFd(fd: number): void;
  /** Who is at the other end, as the kernel recorded it (SO_PEERCRED). */
  peerCredentials(sock: number): { pid: number; uid: number; gid: number };
}

function deadlineOf(opts: CheckedRecvOptions): number | undefined {
  return opts.timeoutMs === undefined ? undefined : performance.now() + opts.timeoutMs;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason });
}

function createFdlab(binding: Binding): Fdlab {
  const socketTypes: Record<SocketType, number> = {
    stream: binding.SOCK_STREAM,
    seqpacket: binding.SOCK_SEQPACKET,
    dgram: binding.SOCK_DGRAM,
  };

  // A stream may take fewer bytes than offered; the rest follows without
  // fds (they travel once, with the first byte). Returns the bytes sent.
  // Not a do-while: its `continue` would test `offset < length` and give up
  // on an empty payload whose first try found the socket full.
  async function sendFds(sock: number, fds: readonly number[], data?: Uint8Array | string): Promise<number> {
    checkFd('sock', sock);
    let pending = checkFdList(fds);
    const bytes = toBytes(data);
    let offset = 0;
    for (;;) {
      const sent = binding.sendmsg(sock, pending, offset === 0 ? bytes : bytes.subarray(offset), true);
      if (sent < 0) {
        await waitReady(binding, sock, binding.WRITABLE, { syscall: 'sendmsg' });
        continue;
      }
      pending = [];
      offset += sent;
      if (offset >= bytes.length) return offset; // at least 1: an empty payload is sent as one byte
    }
  }

  function sendFdsSync(sock: number, fds: readonly number[], data?: Uint8Array | string): number {
    checkFd('sock', sock);
    let pending = checkFdList(fds);
    const bytes = toBytes(data);
    let offset = 0;
    for (;;) {
      const sent = binding.sendmsg(sock, pending, offset === 0 ? bytes : bytes.subarray(offset), false);
      if (sent < 0) {
        // Only a socket someone made O_NONBLOCK gets here: wait, then retry.
        binding.waitSync(sock, binding.WRITABLE, -1);
        continue;
      }
      pending = [];
      offset += sent;
      if (offset >= bytes.length) return offset; // at least 1: an empty payload is sent as one byte
    }
  }

  async function recvFds(sock: number, options?: RecvOptions): Promise<Received | null> {
    checkFd('sock', sock);
    const opts = checkRecvOptions(options);
    throwIfAborted(opts.signal);
    const deadline = deadlineOf(opts);
    for (;;) {
      const message = binding.recvmsg(sock, opts.maxBytes, opts.maxFds, true);
      if (message !== undefined) return message;
      // The deadline is checked on every pass, not only by the wait: a socket
      // that polls readable yet has nothing to take must still time out.
      if (deadline !== undefined && performance.now() >= deadline) throw timeoutError('recvmsg', opts.timeoutMs!);
      await waitReady(binding, sock, binding.READABLE, {
        deadline,
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
        syscall: 'recvmsg',
      });
    }
  }

  function recvFdsSync(sock: number, options?: RecvOptions): Received | null {
    checkFd('sock', sock);
    const opts = checkRecvOptions(options);
    throwIfAborted(opts.signal);
    const deadline = deadlineOf(opts);
    for (;;) {
      // Without a timeout, block in recvmsg itself: one syscall per message.
      const message = binding.recvmsg(sock, opts.maxBytes, opts.maxFds, deadline !== undefined);
      if (message !== undefined) return message;
      // Checked on every pass, as in recvFds.
      let left = -1; // forever
      if (deadline !== undefined) {
        left = Math.ceil(deadline - performance.now());
        if (left <= 0) throw timeoutError('recvmsg', opts.timeoutMs!);
      }
      if (!binding.waitSync(sock, binding.READABLE, left)) throw timeoutError('recvmsg', opts.timeoutMs!);
    }
  }

  function closeFd(fd: number): void {
    checkFd('fd', fd);
    forgetFd(fd);
    binding.close(fd);
  }

  return {
    socketpair(type: SocketType = 'stream') {
      return binding.socketpair(socketTypes[checkSocketType(type)]);
    },
    sendFds,
    sendFdsSync,
    recvFds,
    recvFdsSync,
    closeFd,
    peerCredentials(sock: number) {
      return binding.peerCredentials(checkFd('sock', sock));
    },
  };
}

const opened = new Map<Tree, Fdlab>();

/** The API backed by one tree's addon: 'labs' (the learner's code) or 'solutions'. */
export function openFdlab(tree: Tree): Fdlab {
  if (tree !== 'labs' && tree !== 'solutions') {
    throw new RangeError(`openFdlab: tree must be 'labs' or 'solutions', not ${JSON.stringify(tree)}`);
  }
  let fdlab = opened.get(tree);
  if (fdlab === undefined) {
    fdlab = createFdlab(loadBinding(tree));
    opened.set(tree, fdlab);
  }
  return fdlab;
}

/** The tree the named exports use: FDLAB_TREE, or 'solutions'. */
export const defaultTree = (process.env.FDLAB_TREE ?? 'solutions') as Tree;

export const { socketpair, sendFds, sendFdsSync, recvFds, recvFdsSync, closeFd, peerCredentials }: Fdlab =
  openFdlab(defaultTree);
