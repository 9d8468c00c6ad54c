// reliability/memcheck.ts: runs reliability/memcheck-workload.ts under
// valgrind's memcheck and reports the errors in fdlab's own code.
//
//   node --import tsx reliability/memcheck.ts [rounds]     (make memcheck)
//
// Node runs with --jitless: V8's generated code then does not have to be
// translated, which makes the run faster and keeps V8's own tricks (which
// memcheck would flag) out of it. Every error memcheck reports (invalid
// reads and writes, uses of uninitialised values, bad frees, and leaks
// that are definitely lost) is read from its XML output and counted as
// fdlab's when a frame of its stack is in an fdlab_*.node addon; the others
// (Node's, V8's) are counted and shown, not judged. The run passes when
// the workload finishes and fdlab's count is 0. The text log is read to make
// sure the addon was really loaded under valgrind.
//
// See: valgrind(1), and the memcheck manual's XML output format.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const rounds = process.argv[2] ?? '30';

interface Finding {
  kind: string;
  what: string;
  inFdlab: boolean;
}

function findings(xml: string): Finding[] {
  return [...xml.matchAll(/<error>([^]*?)<\/error>/g)].map(([, error]) => ({
    kind: /<kind>(.*?)<\/kind>/.exec(error!)?.[1] ?? '?',
    what: /<what>(.*?)<\/what>/.exec(error!)?.[1] ?? /<text>(.*?)<\/text>/.exec(error!)?.[1] ?? '',
    inFdlab: /<obj>[^<]*fdlab_[a-z]+\.node<\/obj>/.test(error!),
  }));
}

function main(): number {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error('memcheck: valgrind is not installed (Debian: apt-get install valgrind)');
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'fdlab-memcheck-'));
  try {
    const started = performance.now();
    const result = spawnSync(
      'valgrind',
      [
        '--tool=memcheck',
        '--error-limit=no',
        '--leak-check=full',
        '--show-leak-kinds=definite',
        '--errors-for-leak-kinds=definite',
        '-v',
        `--log-file=${join(dir, 'log.%p')}`,
        '--xml=yes',
        `--xml-file=${join(dir, 'xml.%p')}`,
        process.execPath,
        '--jitless',
        '--import',
        'tsx',
        join(root, 'reliability', 'memcheck-workload.ts'),
        rounds,
      ],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    process.stdout.write(result.stdout);
    const files = readdirSync(dir);
    const logs = files.filter((f) => f.startsWith('log.')).map((f) => readFileSync(join(dir, f), 'utf8'));
    const all = files.filter((f) => f.startsWith('xml.')).flatMap((f) => findings(readFileSync(join(dir, f), 'utf8')));
    const loaded = logs.some((log) => /fdlab_solutions\.node/.test(log));
    const ours = all.filter((f) => f.inFdlab);
    const others = all.filter((f) => !f.inFdlab);
    for (const f of ours) console.error(`memcheck: in fdlab: ${f.kind}: ${f.what}`);
    console.log(`memcheck: the workload (${rounds} rounds on each socket type) ran under valgrind in ${seconds} s, exit status ${result.status}`);
    console.log(`memcheck: the addon ${loaded ? 'was' : 'was NOT'} loaded under valgrind`);
    console.log(
      `memcheck: errors in fdlab's code: ${ours.length}; elsewhere (Node, V8): ${others.length}` +
        (others.length > 0 ? ` (${[...new Set(others.map((f) => f.kind))].join(', ')})` : ''),
    );
    const passed = result.status === 0 && loaded && ours.length === 0;
    console.log(`memcheck: ${passed ? 'passed' : 'FAILED'}`);
    return passed ? 0 : 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = main();
