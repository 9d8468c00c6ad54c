// test/support/zombie-fd-table-child.ts: run by test/55-fd-table.spec.ts to
// read fd tables as a given user. It makes a zombie of its own (a child that
// has exited and is not yet reaped), reads its fd table with the kit's
// readFdTable, optionally reads the live process named by --other, and
// prints what happened as one JSON line.
//
//   node --import tsx zombie-fd-table-child.ts [--as-nobody] [--other PID]
//
// --as-nobody: when started as root, become uid/gid 65534 once the modules
// are loaded, since /proc answers root and everyone else differently.
//
// Node reaps its children only on its event loop, so the child stays a
// zombie while this script runs synchronously, up to its last line.
//
// See: proc(5) (/proc/pid/fd, /proc/pid/stat), wait(2), setuid(2).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readFdTable } from '../../kit/fd-table.ts';
import { processState } from './processes.ts';
import { GENEROUS_MS } from './watched.ts';

const NOBODY = 65534;
const { values } = parseArgs({ options: { 'as-nobody': { type: 'boolean' }, other: { type: 'string' } } });

if (values['as-nobody'] && process.getuid!() === 0) {
  process.setgroups!([]);
  process.setgid!(NOBODY);
  process.setuid!(NOBODY);
}

function errorOf(call: () => unknown): { result?: unknown; code?: string; message?: string } {
  try {
    return { result: call() };
  } catch (error) {
    return { code: (error as NodeJS.ErrnoException).code, message: (error as Error).message };
  }
}

const child = spawn('sleep', ['30'], { stdio: 'ignore' });
const reaped = new Promise((resolve) => child.once('exit', resolve));
const zombie = child.pid!;
process.kill(zombie, 'SIGKILL');
const deadline = Date.now() + GENEROUS_MS;
while (processState(zombie) !== 'zombie') {
  if (Date.now() > deadline) throw new Error(`child ${zombie} was not a zombie within ${GENEROUS_MS} ms of SIGKILL`);
}

const report = {
  uid: process.getuid!(),
  // What the kernel itself answers, so the spec can tell which path was taken.
  rawListing: errorOf(() => readdirSync(`/proc/${zombie}/fd`)),
  zombieTable: errorOf(() => readFdTable(zombie)),
  zombieState: processState(zombie),
  other: values.other === undefined ? undefined : errorOf(() => readFdTable(Number(values.other))),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
await reaped;
