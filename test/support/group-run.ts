// test/support/group-run.ts: runs a command in a process group of its own
// and collects its output. Past the bound the whole group is killed, so a
// hung kit takes every process it started with it, and the test goes on.
//
// See: setpgid(2) (a detached child leads its own group), kill(2) (a
// negative pid signals the whole group).
import { spawn } from 'node:child_process';

export interface GroupRun {
  code: number | null;
  /** stdout and stderr together, as they came. */
  output: string;
}

export function runInGroup(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<GroupRun> {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      output += `\n(killed after ${options.timeoutMs} ms)`;
      process.kill(-child.pid!, 'SIGKILL');
    }, options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
