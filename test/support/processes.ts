// test/support/processes.ts: running a kit program as a child and asking the
// kernel afterwards what became of the processes it started.
//
// See: proc(5) (/proc/pid/stat), wait(2).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { TS_LOADER } from '../../kit/ts-loader.ts';

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs `node --import tsx/esm file args` (kit/ts-loader.ts) and collects stdout and stderr together. */
export function runTs(file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  const child = spawn(process.execPath, [...TS_LOADER, file, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output }));
  });
}

/** 'running', 'zombie', or 'gone' for a pid, from /proc/<pid>/stat. */
export function processState(pid: number): 'running' | 'zombie' | 'gone' {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 'gone';
  }
  // The state letter follows the command name, which is in parentheses.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' ? 'zombie' : 'running';
}
