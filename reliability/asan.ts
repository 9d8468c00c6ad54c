// reliability/asan.ts: the API tests against the addon built with
// AddressSanitizer and UndefinedBehaviorSanitizer.
//
//   node --import tsx reliability/asan.ts          (make asan)
//
// It builds native/trees/solutions-asan (the frame and solutions/*.cc with
// -fsanitize=address,undefined, in a build folder of its own), then runs the
// API, failure-mode and Worker tests with FDLAB_ADDON_VARIANT=asan, so that
// this process, every child it spawns and every Worker load that addon.
// Node itself is not instrumented, so libasan must come first
// (LD_PRELOAD), and its leak check is off: Node leaks on purpose at exit.
// Each sanitizer writes its reports to files; the run passes when the tests
// pass and no report has a frame in fdlab's own code. Reports from elsewhere
// (Node, the tools the tests start) are counted and shown, not judged.
//
// See: the AddressSanitizer and UndefinedBehaviorSanitizer docs (gcc -fsanitize).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const treeDir = join(root, 'native', 'trees', 'solutions-asan');
const addon = join(treeDir, 'build', 'Release', 'fdlab_solutions.node');
// The API tests, the demo's, and this issue's failure-mode, scale and Worker tests.
const SPECS = /^(10|20|30|40|50|60|7\d)-.*\.spec\.ts$/;

function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): number {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** node-gyp, quietly: its output is shown only when it fails. */
function nodeGyp(args: string[]): void {
  const prefix = dirname(dirname(process.execPath));
  const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
  const result = spawnSync(join(root, 'node_modules', '.bin', 'node-gyp'), [...args, ...nodedir], { cwd: treeDir, encoding: 'utf8' });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout}${result.stderr}`);
    throw new Error(`asan: node-gyp ${args[0]} failed for native/trees/solutions-asan`);
  }
}

function build(): void {
  if (!existsSync(join(treeDir, 'build', 'Makefile'))) nodeGyp(['configure']);
  nodeGyp(['build', '--jobs=max']);
  console.log('asan: built native/trees/solutions-asan (-fsanitize=address,undefined)');
}

function libasan(): string {
  const result = spawnSync('g++', ['-print-file-name=libasan.so'], { encoding: 'utf8' });
  const path = result.stdout.trim();
  if (result.status !== 0 || !path.startsWith('/') || !existsSync(path)) {
    throw new Error('asan: libasan.so not found (g++ -print-file-name=libasan.so); install the compiler\'s sanitizer runtime');
  }
  return path;
}

interface Reports {
  total: number;
  inFdlab: string[];
  elsewhere: string[];
}

/** Reads every report file and sorts it by whether fdlab's code is in it. */
function readReports(dir: string): Reports {
  const reports: Reports = { total: 0, inFdlab: [], elsewhere: [] };
  for (const name of readdirSync(dir)) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (!/ERROR: |runtime error: /.test(text)) continue;
    reports.total++;
    const headline = /(ERROR: .*|runtime error: .*)/.exec(text)?.[1] ?? name;
    // A frame in the addon: the frame's sources, a tree's lab files, the
    // node-addon-api code compiled into it, or the .node file itself.
    if (/frame\/\w+\.(cc|h):|(solutions|labs)\/0\d-[\w-]+\/\w+\.cc|node-addon-api\/napi-inl\.h|fdlab_\w+\.node/.test(text)) {
      reports.inFdlab.push(`${name}: ${headline}\n${text}`);
    } else {
      reports.elsewhere.push(`${name}: ${headline}`);
    }
  }
  return reports;
}

function main(): number {
  build();
  const preload = libasan();
  const logs = mkdtempSync(join(tmpdir(), 'fdlab-asan-'));
  try {
    const env = {
      ...process.env,
      LD_PRELOAD: preload,
      FDLAB_ADDON_VARIANT: 'asan',
      ASAN_OPTIONS: `detect_leaks=0:log_path=${join(logs, 'asan')}`,
      UBSAN_OPTIONS: `print_stacktrace=1:halt_on_error=1:log_path=${join(logs, 'ubsan')}`,
    };
    // Make sure it is the sanitized addon that loads, before trusting a pass.
    const probe = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "import('./native/index.ts').then(() => console.log(require('node:fs').readFileSync('/proc/self/maps', 'utf8')))",
      ],
      { cwd: root, env, encoding: 'utf8' },
    );
    if (!probe.stdout.includes(addon) || !probe.stdout.includes('libasan')) {
      throw new Error(`asan: the sanitized addon did not load:\n${probe.stdout.slice(0, 2000)}${probe.stderr}`);
    }
    console.log(`asan: ${addon} loads under ${preload}`);

    const specs = readdirSync(join(root, 'test'))
      .filter((name) => SPECS.test(name))
      .map((name) => join('test', name));
    const mocha = join(root, 'node_modules', '.bin', 'mocha');
    const status = run(
      mocha,
      [
        '--no-config',
        '--node-option',
        'import=tsx',
        '--timeout',
        '60000',
        '--reporter',
        './test/support/summary-reporter.cjs',
        ...specs,
      ],
      { cwd: root, env },
    );
    const reports = readReports(logs);
    for (const report of reports.inFdlab) console.error(report);
    console.log(`asan: ${specs.length} spec files, mocha exit status ${status}`);
    console.log(
      `asan: sanitizer reports: ${reports.inFdlab.length} from fdlab's code, ` +
        `${reports.elsewhere.length} from elsewhere${reports.elsewhere.length > 0 ? `:\n  ${reports.elsewhere.join('\n  ')}` : ''}`,
    );
    const passed = status === 0 && reports.inFdlab.length === 0;
    console.log(`asan: ${passed ? 'passed' : 'FAILED'}`);
    return passed ? 0 : 1;
  } finally {
    rmSync(logs, { recursive: true, force: true });
  }
}

process.exitCode = main();
