// test/support/ts-worker.ts: starts a worker_threads Worker whose code is a
// TypeScript file. Node 20 does not apply the parent's `--import tsx` hooks
// to a Worker's entry point, so the Worker first registers tsx, then imports
// the file.
//
// See: worker_threads in the Node.js docs.
import { Worker } from 'node:worker_threads';

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
import('tsx/esm/api').then(({ register }) => { register(); return import(workerData.entry); });
`;

export function tsWorker(entry: URL, data: Record<string, unknown> = {}): Worker {
  return new Worker(BOOTSTRAP, { eval: true, workerData: { ...data, entry: entry.href } });
}
