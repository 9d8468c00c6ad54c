// native/errors.ts: the errors the TypeScript layer raises itself, shaped
// like Node's own so a learner's catch blocks and tests read the same:
// ERR_INVALID_ARG_TYPE / ERR_OUT_OF_RANGE for bad arguments (before any
// syscall), errno errors like fs's, and an AbortError like fs/promises'.
// Errors from the syscalls themselves are built in native/frame/errno_error.cc.
import { inspect, getSystemErrorMap } from 'node:util';
import { constants } from 'node:os';

export interface ErrnoError extends Error {
  code: string;
  errno: number;
  syscall: string;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return `Received ${value}`;
  if (typeof value === 'function') return `Received function ${value.name || '<anonymous>'}`;
  if (typeof value === 'object') {
    const name = value.constructor?.name;
    return name ? `Received an instance of ${name}` : `Received ${inspect(value, { depth: -1 })}`;
  }
  return `Received type ${typeof value} (${inspect(value).slice(0, 25)})`;
}

export function invalidArgType(name: string, expected: string, actual: unknown): TypeError {
  const error = new TypeError(`The "${name}" argument must be ${expected}. ${describe(actual)}`);
  return Object.assign(error, { code: 'ERR_INVALID_ARG_TYPE' });
}

export function outOfRange(name: string, range: string, actual: unknown): RangeError {
  const error = new RangeError(
    `The value of "${name}" is out of range. It must be ${range}. Received ${inspect(actual)}`,
  );
  return Object.assign(error, { code: 'ERR_OUT_OF_RANGE' });
}

/** An error shaped like fs's: 'ETIMEDOUT: connection timed out, recvmsg'. */
export function errnoError(code: keyof typeof constants.errno, syscall: string, detail?: string): ErrnoError {
  const errno = -constants.errno[code];
  const description = getSystemErrorMap().get(errno)?.[1] ?? code;
  const message = `${code}: ${detail ?? description}, ${syscall}`;
  return Object.assign(new Error(message), { code, errno, syscall });
}

/** What a receive that waited too long fails with. */
export function timeoutError(syscall: string, timeoutMs: number): ErrnoError {
  return errnoError('ETIMEDOUT', syscall, `nothing arrived within ${timeoutMs} ms`);
}

/** Like the AbortError fs/promises rejects with: name 'AbortError', code 'ABORT_ERR'. */
export class AbortError extends Error {
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AbortError';
  }
}
