// kit/proc-activity.ts: what the processes of a check are doing, read from
// /proc when the check outlives its deadline (spinning on the CPU, or asleep
// in which system call), and which processes a check left: the members of
// its process group, and any that left the group (setsid, a detached spawn)
// but still carry the run's mark in their environment.
//
// See: proc(5) (/proc/PID/stat, /proc/PID/syscall, /proc/PID/wchan,
// /proc/PID/environ, /proc/PID/cmdline), syscall(2), setpgid(2), kill(2).
import { readdirSync, readFileSync } from 'node:fs';
import { hasExited } from './fd-table.ts';
import type { ProcessActivity } from './verdict.ts';

/** The system calls a stuck lab is most often asleep in, by number, per architecture (asm/unistd_64.h, asm-generic/unistd.h). */
const SYSCALLS: Record<string, Record<number, string>> = {
  x64: {
    0: 'read', 1: 'write', 3: 'close', 7: 'poll', 23: 'select', 34: 'pause', 35: 'nanosleep', 42: 'connect', 43: 'accept',
    44: 'sendto', 45: 'recvfrom', 46: 'sendmsg', 47: 'recvmsg', 61: 'wait4', 202: 'futex', 230: 'clock_nanosleep',
    232: 'epoll_wait', 247: 'waitid', 257: 'openat', 270: 'pselect6', 271: 'ppoll', 281: 'epoll_pwait', 288: 'accept4',
    299: 'recvmmsg', 307: 'sendmmsg', 441: 'epoll_pwait2',
  },
  arm64: {
    22: 'epoll_pwait', 56: 'openat', 57: 'close', 63: 'read', 64: 'write', 72: 'pselect6', 73: 'ppoll', 95: 'waitid',
    98: 'futex', 101: 'nanosleep', 115: 'clock_nanosleep', 202: 'accept', 203: 'connect', 206: 'sendto', 207: 'recvfrom',
    211: 'sendmsg', 212: 'recvmsg', 242: 'accept4', 243: 'recvmmsg', 260: 'wait4', 269: 'sendmmsg', 441: 'epoll_pwait2',
  },
};

interface Stat {
  pid: number;
  state: string;
  ppid: number;
  pgrp: number;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // gone, or not ours to read
  }
}

/** /proc/PID/stat's fields after the command name (which may hold spaces and parentheses). */
function stat(pid: number): Stat | undefined {
  const text = read(`/proc/${pid}/stat`);
  if (text === undefined) return undefined;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { pid, state: fields[0]!, ppid: Number(fields[1]), pgrp: Number(fields[2]) };
}

function pids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Every live process whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  return pids().filter((pid) => stat(pid)?.pgrp === pgid);
}

/** kill(2), for a pid or (negative) a process group that may be gone already (ESRCH). */
export function signalProcess(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // gone already
  }
}

/** kill(2) to every process of group `pgid`, which may be gone already. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  signalProcess(-pgid, signal);
}

/**
 * Waits, `ms` at most, until every process of group `pgid` has exited or is
 * exiting. A process acts on a SIGKILL only when it next runs, which on a
 * busy machine can be well after its group leader is gone. True when all are.
 */
export async function groupEnded(pgid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (groupMembers(pgid).every(hasExited)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every process (of this user: others' environments are not readable) whose environment holds `name=value`. */
export function processesMarked(name: string, value: string): number[] {
  const mark = `${name}=${value}`;
  return pids().filter((pid) => pid !== process.pid && (read(`/proc/${pid}/environ`)?.split('\0').includes(mark) ?? false));
}

function commandOf(pid: number): string {
  const words = (read(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean);
  const text = words
    .map((word) => word.replace(/^.*\/node_modules\//, '').replace(/^\/.*\/(?=[^/]+$)/, ''))
    .join(' ')
    .replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The system call `pid` is in, from the first number of /proc/PID/syscall ("running" when it is on a CPU). */
function syscallOf(pid: number): string | undefined {
  const first = read(`/proc/${pid}/syscall`)?.trim().split(' ')[0];
  if (first === undefined || first === '' || first === 'running' || first === '-1') return undefined;
  const number = Number(first);
  return SYSCALLS[process.arch]?.[number] ?? `system call ${number}`;
}

/** How many fds pid has open and may have (/proc/PID/limits), when it is within a few of its limit. */
function fdsAtLimit(pid: number): { open: number; limit: number } | undefined {
  const limit = Number(/^Max open files\s+(\d+)/m.exec(read(`/proc/${pid}/limits`) ?? '')?.[1]);
  if (!Number.isInteger(limit)) return undefined;
  let open: number;
  try {
    open = readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
  return open >= limit - 8 ? { open, limit } : undefined;
}

/** What `pid` is doing now. */
export function activityOf(pid: number, checkPid: number): ProcessActivity | undefined {
  const found = activityNow(pid, checkPid);
  const fds = found === undefined ? undefined : fdsAtLimit(pid);
  return fds === undefined ? found : { ...found!, fds };
}

function activityNow(pid: number, checkPid: number): ProcessActivity | undefined {
  const info = stat(pid);
  if (info === undefined) return undefined;
  const role = pid === checkPid ? 'check' : 'child';
  const command = commandOf(pid);
  switch (info.state) {
    case 'R':
      return { pid, role, command, state: 'spinning' };
    case 'S':
    case 'D': {
      const syscall = syscallOf(pid);
      const wchan = read(`/proc/${pid}/wchan`)?.trim();
      return { pid, role, command, state: 'asleep', ...(syscall !== undefined ? { syscall } : {}), ...(wchan && wchan !== '0' ? { wchan } : {}) };
    }
    case 'T':
    case 't':
      return { pid, role, command, state: 'stopped' };
    case 'Z':
      return { pid, role, command, state: 'zombie' };
    default:
      return { pid, role, command, state: 'other' };
  }
}

/**
 * What every process of a check is doing: the check process first, then
 * the ones it started. A spinning process is read twice, a little apart: one
 * caught on a CPU between two sleeps is asleep the second time.
 */
export async function checkActivity(members: readonly number[], checkPid: number): Promise<ProcessActivity[]> {
  const ordered = [...new Set([checkPid, ...members])].filter((pid) => members.includes(pid) || pid === checkPid);
  const first = ordered.map((pid) => activityOf(pid, checkPid));
  if (first.some((activity) => activity?.state === 'spinning')) await new Promise((resolve) => setTimeout(resolve, 100));
  return ordered
    .map((pid, i) => (first[i]?.state === 'spinning' ? (activityOf(pid, checkPid) ?? first[i]) : first[i]))
    .filter((activity): activity is ProcessActivity => activity !== undefined);
}
