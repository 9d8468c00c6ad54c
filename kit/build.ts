// kit/build.ts: builds a tree's addon (native/trees/<tree>) with node-gyp.
//
//   node --import tsx kit/build.ts solutions|labs|all [--debug]
//
// Incremental: node-gyp configures once, then make rebuilds only what
// changed. A compile error in labs/ is the learner's to fix: it is shown as
// the compiler's own file:line lines under a plain sentence, and never
// touches the solutions build (each tree has its own build folder).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonPath, type Tree } from '../native/binding.ts';

import { root } from './paths.ts';
const nodeGyp = join(root, 'node_modules', '.bin', 'node-gyp');

// Build against the headers of the Node that runs us when they are installed
// beside it (Debian's nodejs, the official images): no download needed.
function nodedirArgs(): string[] {
  const prefix = dirname(dirname(process.execPath));
  return existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
}

function runNodeGyp(tree: Tree, args: string[]): { ok: boolean; output: string } {
  const result = spawnSync(nodeGyp, [...args, ...nodedirArgs()], {
    cwd: join(root, 'native', 'trees', tree),
    encoding: 'utf8',
  });
  if (result.error) throw result.error;
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}` };
}

/** The compiler's diagnostics, with paths made relative to the project. */
function diagnostics(output: string): string {
  const lines = output
    .split('\n')
    .filter((line) => /(error|warning|note):|^\s+\d+ \||^\s+\|/.test(line) && !line.startsWith('gyp'));
  return lines
    .map((line) => line.replace(/(?:\.\.\/)+((?:labs|solutions|native)\/)/g, '$1').replace(`${root}`, ''))
    .join('\n');
}

/** Every file a tree's addon is built from: the frame, the gyp files, the tree's C++. */
function buildInputs(tree: Tree): string[] {
  const inDir = (dir: string, pattern: RegExp): string[] =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((name) => pattern.test(name))
      .map((name) => join(root, dir, name));
  return [
    join(root, 'native', 'fdlab.h'),
    join(root, 'native', 'common.gypi'),
    join(root, 'native', 'trees', tree, 'binding.gyp'),
    ...inDir(join('native', 'frame'), /\.(cc|h)$/),
    ...inDir(tree, /\.(cc|h)$/),
  ];
}

/** True when the tree's Release addon is newer than everything it is built from. */
export function isUpToDate(tree: Tree): boolean {
  const addon = addonPath(tree, 'Release');
  if (!existsSync(addon)) return false;
  const builtAt = statSync(addon).mtimeMs;
  return buildInputs(tree).every((file) => statSync(file).mtimeMs <= builtAt);
}

/** Builds the tree's Release addon unless it is up to date (cheap: no node-gyp). */
export function ensureBuilt(tree: Tree): boolean {
  return isUpToDate(tree) || buildTree(tree);
}

export function buildTree(tree: Tree, debug = false): boolean {
  const buildDir = join(root, 'native', 'trees', tree, 'build');
  const mode = debug ? ['--debug'] : [];
  if (!existsSync(join(buildDir, 'Makefile')) || !existsSync(join(buildDir, 'config.gypi'))) {
    const configured = runNodeGyp(tree, ['configure', ...mode]);
    if (!configured.ok) {
      process.stderr.write(configured.output);
      process.stderr.write(`\nfdlab: node-gyp could not configure the ${tree} build. Run \`make doctor\`.\n`);
      return false;
    }
  }
  const built = runNodeGyp(tree, ['build', '--jobs=max', ...mode]);
  if (built.ok) return true;
  if (tree === 'labs' && /error:/.test(built.output)) {
    process.stderr.write(
      `\nfdlab: your C++ in labs/ does not compile yet. The compiler says:\n\n${diagnostics(built.output)}\n\n` +
        'Fix the first error (the file and line are at the start of its line), then run the same command again.\n' +
        'The solutions tree, `make demo` and `make test` are not affected.\n',
    );
  } else {
    process.stderr.write(built.output);
    process.stderr.write(`\nfdlab: the ${tree} build failed (${relative(root, buildDir)}). Run \`make doctor\`.\n`);
  }
  return false;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const which = process.argv[2];
  const debug = process.argv.includes('--debug');
  const trees: Tree[] = which === 'all' ? ['solutions', 'labs'] : which === 'labs' || which === 'solutions' ? [which] : [];
  if (trees.length === 0) {
    process.stderr.write('usage: kit/build.ts solutions|labs|all [--debug]\n');
    process.exit(2);
  }
  let ok = true;
  for (const tree of trees) ok = buildTree(tree, debug) && ok;
  process.exit(ok ? 0 : 1);
}
