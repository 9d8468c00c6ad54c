// native/validate.ts: argument checks for the public API. They run before any
// syscall, so a bad argument never reaches the kernel or the addon, and the
// error names the argument the way Node's own APIs do.
import { invalidArgType, outOfRange } from './errors.ts';

export const MAX_FDS = 253; // the kernel's SCM_MAX_FD
export const MAX_RECV_BYTES = 2 ** 30;
const MAX_FD_NUMBER = 2 ** 31 - 1;

export const SOCKET_TYPES = ['stream', 'seqpacket', 'dgram'] as const;
export type SocketType = (typeof SOCKET_TYPES)[number];

export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRange(name, `an integer >= ${min} && <= ${max}`, value);
  }
  return value;
}

export function checkFd(name: string, value: unknown): number {
  return checkInteger(name, value, 0, MAX_FD_NUMBER);
}

export function checkSocketType(value: unknown): SocketType {
  if (typeof value !== 'string') throw invalidArgType('type', "one of 'stream', 'seqpacket', 'dgram'", value);
  if (!(SOCKET_TYPES as readonly string[]).includes(value)) {
    throw outOfRange('type', "one of 'stream', 'seqpacket', 'dgram'", value);
  }
  return value as SocketType;
}

export function checkFdList(value: unknown): number[] {
  if (!Array.isArray(value)) throw invalidArgType('fds', 'an array of fds', value);
  if (value.length > MAX_FDS) {
    throw outOfRange('fds.length', `<= ${MAX_FDS} (SCM_MAX_FD, the most one message may carry)`, value.length);
  }
  // An index loop, not map(): map skips the holes of a sparse array, and a
  // hole would reach the addon unchecked.
  // The argument's name is built only for an error: this runs on every send.
  const fds: number[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const fd: unknown = value[i];
    fds[i] = typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 && fd <= MAX_FD_NUMBER ? fd : checkFd(`fds[${i}]`, fd);
  }
  return fds;
}

export function toBytes(value: unknown): Uint8Array {
  if (value === undefined) return new Uint8Array(0);
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return value;
  throw invalidArgType('data', 'a string or an instance of Uint8Array', value);
}

export interface CheckedRecvOptions {
  maxFds: number;
  maxBytes: number;
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
}

const DEFAULT_RECV_OPTIONS: CheckedRecvOptions = Object.freeze({
  maxFds: 16,
  maxBytes: 65536,
  timeoutMs: undefined,
  signal: undefined,
});

export function checkRecvOptions(value: unknown): CheckedRecvOptions {
  if (value === undefined) return DEFAULT_RECV_OPTIONS;
  if (value === null || typeof value !== 'object') throw invalidArgType('options', 'of type object', value);
  const opts = value as Record<string, unknown>;
  const signal = opts.signal;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
  return {
    maxFds: opts.maxFds === undefined ? DEFAULT_RECV_OPTIONS.maxFds : checkInteger('options.maxFds', opts.maxFds, 1, MAX_FDS),
    maxBytes:
      opts.maxBytes === undefined
        ? DEFAULT_RECV_OPTIONS.maxBytes
        : checkInteger('options.maxBytes', opts.maxBytes, 1, MAX_RECV_BYTES),
    timeoutMs:
      opts.timeoutMs === undefined ? undefined : checkInteger('options.timeoutMs', opts.timeoutMs, 0, 2 ** 31 - 1),
    signal,
  };
}
