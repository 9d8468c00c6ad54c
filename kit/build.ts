// kit/build.ts: builds a tree's addon (native/trees/<tree>) with node-gyp,
// and says what went wrong in terms of the learner's files.
//
//   node --import tsx kit/build.ts solutions|labs|all [--debug]
//
// - One build of a tree at a time: a second command waits for the first
//   (kit/build-lock.ts).
// - Up to date means: the same input files, unchanged, as at the last build.
//   The build records them (path, mtime, size) in a stamp beside the addon,
//   so a deleted or renamed source is a rebuild, never a stale pass.
// - The compiler's errors and warnings come back typed (Diagnostic, from
//   kit/build-diagnostics.ts), with project paths, so a caller can blame
//   the file the compiler rejected.
// - A link error (a call to a function declared but defined nowhere) is
//   caught here: the addon is loaded with RTLD_NOW in a child Node, and an
//   undefined symbol is named, demangled, with the lab file that calls it.
// A compile error in labs/ never touches the solutions build: each tree has
// its own build folder.
//
// See: dlopen(3) (RTLD_NOW), nm(1), c++filt(1).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonPath, type Tree } from '../native/binding.ts';
import { compilerLines, location, parseDiagnostics, warningText, type Diagnostic } from './build-diagnostics.ts';
import { BuildLockError, withBuildLock } from './build-lock.ts';
import { root } from './paths.ts';

export type { Diagnostic } from './build-diagnostics.ts';
export { warningText };

const nodeGyp = join(root, 'node_modules', '.bin', 'node-gyp');
const STAMP_VERSION = 1;

/**
 * - compile: the compiler rejected a file (diagnostics hold its errors);
 * - link: a function is called but defined nowhere (the addon counts as not built);
 * - missing-source: a file the build compiles is not there (deleted or renamed);
 * - setup: the machine cannot build (node-gyp, make, a compiler, headers): `make doctor`.
 */
export type BuildFailure = 'compile' | 'link' | 'missing-source' | 'setup';

export type BuildOutcome =
  | {
      ok: true;
      tree: Tree;
      /** Warnings on the tree's own files (never the frame's), from the build that made this addon. */
      warnings: Diagnostic[];
      /** True when nothing was rebuilt: the stamp matched. */
      upToDate: boolean;
    }
  | {
      ok: false;
      tree: Tree;
      kind: BuildFailure;
      /** The errors, the tree's own files first. */
      diagnostics: Diagnostic[];
      /** The tree's files to blame (project paths), e.g. ['labs/03-sendmsg/sendmsg.cc']; empty for setup. */
      files: string[];
      /** What to print: a plain sentence, the tool's own lines, and what to do. */
      text: string;
    };

export interface BuildOptions {
  debug?: boolean;
  /** Build even when the stamp says up to date (make still skips what is current). */
  force?: boolean;
  /** Told once when the build must wait for another one; default: a line on stderr. */
  onWait?: (message: string) => void;
}

interface LabFunctionEntry {
  lab: number;
  function: string;
  file: string;
}

/** native/lab-functions.json: which lab owns which C function and file (common.gypi reads it too). */
export function labFunctions(): LabFunctionEntry[] {
  return (JSON.parse(readFileSync(join(root, 'native', 'lab-functions.json'), 'utf8')) as { functions: LabFunctionEntry[] }).functions;
}

const treeDir = (tree: Tree): string => join(root, 'native', 'trees', tree);
const buildDir = (tree: Tree): string => join(treeDir(tree), 'build');
const buildType = (debug: boolean | undefined): string => (debug ? 'Debug' : 'Release');
const stampPath = (tree: Tree, type: string): string => join(buildDir(tree), type, 'fdlab-build.json');

/** Every file the build compiles, from the project root: the lab files (the table) and the frame's (common.gypi). */
function sources(tree: Tree): { labs: string[]; frame: string[] } {
  const gypi = readFileSync(join(root, 'native', 'common.gypi'), 'utf8');
  return {
    labs: labFunctions().map((entry) => `${tree}/${entry.file}`),
    frame: [...gypi.matchAll(/'(frame\/[^']+\.cc)'/g)].map((match) => `native/${match[1]}`),
  };
}

/** The files whose change means a new gyp configure (the Makefile holds what they say). */
function gypInputs(tree: Tree): string[] {
  return ['native/common.gypi', 'native/lab-functions.json', 'native/lab-functions.cjs', `native/trees/${tree}/binding.gyp`];
}

/** Every file the addon is built from: sources, headers, gyp files, whether they exist or not. */
function buildInputs(tree: Tree): string[] {
  const inDir = (dir: string): string[] =>
    existsSync(join(root, dir))
      ? readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
          .filter((name) => /\.(cc|h)$/.test(name))
          .map((name) => `${dir}/${name}`)
      : [];
  const { labs, frame } = sources(tree);
  const all = new Set([...gypInputs(tree), 'native/fdlab.h', ...inDir('native/frame'), ...inDir(tree), ...labs, ...frame]);
  return [...all].sort();
}

interface FileState {
  path: string;
  /** Absent: the file does not exist. */
  mtimeMs?: number;
  size?: number;
}

function fileState(path: string): FileState {
  try {
    const stat = statSync(isAbsolute(path) ? path : join(root, path));
    return { path, mtimeMs: stat.mtimeMs, size: stat.size };
  } catch {
    return { path };
  }
}

const sameState = (a: FileState, b: FileState): boolean => a.path === b.path && a.mtimeMs === b.mtimeMs && a.size === b.size;
const sameStates = (a: FileState[], b: FileState[]): boolean => a.length === b.length && a.every((state, i) => sameState(state, b[i]!));

interface Stamp {
  version: number;
  inputs: FileState[];
  /** The addon as this build left it (no mtime: removed after a link error). */
  addon: FileState;
  outcome: BuildOutcome;
  /** Warnings per compiled file, kept across incremental builds. */
  warnings: Diagnostic[];
}

function readStamp(tree: Tree, type: string): Stamp | undefined {
  try {
    const stamp = JSON.parse(readFileSync(stampPath(tree, type), 'utf8')) as Stamp;
    return stamp.version === STAMP_VERSION && Array.isArray(stamp.inputs) && Array.isArray(stamp.warnings) ? stamp : undefined;
  } catch {
    return undefined; // none yet, or not what we wrote: build
  }
}

/** The stamp's outcome when every input and the addon are as that build left them. */
function stampedOutcome(tree: Tree, type: string): BuildOutcome | undefined {
  const stamp = readStamp(tree, type);
  if (stamp === undefined) return undefined;
  if (!sameState(stamp.addon, fileState(addonPath(tree, type, '')))) return undefined;
  if (!sameStates(stamp.inputs, buildInputs(tree).map(fileState))) return undefined;
  return stamp.outcome.ok ? { ...stamp.outcome, upToDate: true } : stamp.outcome;
}

/** True when the tree's Release addon was built from exactly the files there now, and works. */
export function isUpToDate(tree: Tree): boolean {
  return stampedOutcome(tree, 'Release')?.ok === true;
}

// ------------------------------------------------------------- outcomes

function labOf(file: string): number | undefined {
  return labFunctions().find((entry) => file.endsWith(`/${entry.file}`))?.lab;
}

const describeFiles = (files: string[]): string =>
  files.map((file) => (labOf(file) !== undefined ? `${file} (lab ${labOf(file)})` : file)).join(', ');

function setupFailure(tree: Tree, text: string, output = ''): BuildOutcome {
  return { ok: false, tree, kind: 'setup', diagnostics: [], files: [], text: `${output}${output === '' || output.endsWith('\n') ? '' : '\n'}\nfdlab: ${text}. Run \`make doctor\`.\n` };
}

function missingSources(tree: Tree): BuildOutcome | undefined {
  const { labs, frame } = sources(tree);
  const missing = [...labs, ...frame].filter((file) => !existsSync(join(root, file)));
  if (missing.length === 0) return undefined;
  const learners = missing.filter((file) => file.startsWith(`${tree}/`));
  const hints = learners.map((file) => labOf(file)).filter((lab) => lab !== undefined).map((lab) => `make reset-${lab}`);
  return {
    ok: false,
    tree,
    kind: 'missing-source',
    diagnostics: missing.map((file) => ({ file, severity: 'error', message: 'is missing: the build compiles it (native/lab-functions.json lists it)' })),
    files: learners,
    text:
      `\nfdlab: the ${tree} tree cannot be built: ${describeFiles(missing)} ${missing.length === 1 ? 'is' : 'are'} missing (deleted or renamed?).\n` +
      `The build compiles ${missing.length === 1 ? 'it' : 'them'} under ${missing.length === 1 ? 'that name' : 'those names'} (native/lab-functions.json lists the lab files).` +
      (hints.length > 0 ? ` Put ${missing.length === 1 ? 'it' : 'them'} back, or start over with ${hints.join(', ')}.\n` : '\n'),
  };
}

function compileFailure(tree: Tree, output: string): BuildOutcome {
  const errors = parseDiagnostics(output, root, buildDir(tree), `${tree}/`).filter((d) => d.severity === 'error');
  const own = errors.filter((d) => d.file.startsWith(`${tree}/`));
  const files = [...new Set(own.map((d) => d.file))];
  const sentence =
    files.length > 0
      ? `${describeFiles(files)} ${files.length === 1 ? 'does' : 'do'} not compile`
      : `the ${tree} tree does not compile`;
  const learner = tree === 'labs';
  return {
    ok: false,
    tree,
    kind: 'compile',
    diagnostics: [...own, ...errors.filter((d) => !own.includes(d))],
    files,
    text:
      `\nfdlab: ${learner ? 'your C++ in labs/ does not compile yet: ' : ''}${sentence}. The compiler says:\n\n${compilerLines(output, root)}\n\n` +
      'Fix the first error (the file and line are at the start of its line), then run the same command again.\n' +
      (learner ? 'The solutions tree, `make demo` and `make test` are not affected.\n' : ''),
  };
}

function demangle(symbol: string): string {
  const result = spawnSync('c++filt', [symbol], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.trim() !== '' ? result.stdout.trim() : symbol;
}

/** The object file make built from a tree source (gyp puts `../../../labs/x.cc`'s under build/labs/). */
function objectFile(tree: Tree, type: string, source: string): string {
  return join(buildDir(tree), type, 'obj.target', `fdlab_${tree}`, relative(treeDir(tree), join(root, source)).replace(/\.cc$/, '.o'));
}

/** Which of the given objects' sources use symbol without defining it (nm -u). */
function callersOf(tree: Tree, type: string, symbol: string, sourceFiles: string[]): string[] {
  return sourceFiles.filter((source) => {
    const listed = spawnSync('nm', ['--undefined-only', '--format=just-symbols', objectFile(tree, type, source)], { encoding: 'utf8' });
    return listed.status === 0 && listed.stdout.split('\n').includes(symbol);
  });
}

/**
 * Loads the built addon in a child Node with RTLD_NOW, which resolves every
 * symbol at once: a link error is found now, not when the learner's code
 * first calls the missing function.
 */
function linkFailure(tree: Tree, type: string): BuildOutcome | undefined {
  const addon = addonPath(tree, type, '');
  const load = spawnSync(
    process.execPath,
    ['-e', 'process.dlopen({ exports: {} }, process.argv[1], require("node:os").constants.dlopen.RTLD_NOW)', addon],
    { encoding: 'utf8', env: { ...process.env, FDLAB_CHECK_CHANNEL: undefined }, timeout: 60_000 },
  );
  if (load.status === 0) return undefined;
  const output = `${load.stdout}${load.stderr}`;
  const undefinedSymbol = /undefined symbol: (\S+)/.exec(output)?.[1];
  if (undefinedSymbol === undefined) return setupFailure(tree, `the ${tree} addon was built but does not load`, output);
  const readable = demangle(undefinedSymbol);
  const { labs, frame } = sources(tree);
  const owner = labFunctions().find((entry) => readable === entry.function || readable.startsWith(`${entry.function}(`));
  let files: string[];
  let message: string;
  if (owner !== undefined) {
    // The frame calls a lab function that its file no longer defines as fdlab.h declares it.
    files = [`${tree}/${owner.file}`];
    message = `does not define \`${readable}\`, which the frame calls (fdlab.h declares it: was it renamed, or its parameters changed?)`;
  } else {
    files = callersOf(tree, type, undefinedSymbol, labs);
    if (files.length === 0) files = callersOf(tree, type, undefinedSymbol, frame);
    message = `calls \`${readable}\`, which is declared but defined nowhere (a link error)`;
  }
  rmSync(addon, { force: true }); // so nothing runs on an addon missing a function
  const blamed = files.length > 0 ? files : [`the ${tree} tree`];
  return {
    ok: false,
    tree,
    kind: 'link',
    diagnostics: files.map((file) => ({ file, severity: 'error', message })),
    files: files.filter((file) => file.startsWith(`${tree}/`)),
    text:
      `\nfdlab: ${blamed.join(', ')} ${message}.\n` +
      'It compiled, but the addon cannot load without that function: define it, or call one that exists. Then run the same command again.\n',
  };
}

/** The tree files make compiled this time, from its `CXX(target) <object>` lines. */
function compiledNow(tree: Tree, output: string): Set<string> {
  const compiled = new Set<string>();
  for (const match of output.matchAll(/CXX\(target\) (\S+)\.o$/gm)) {
    const fromBuild = relative(buildDir(tree), resolve(buildDir(tree), match[1]!));
    if (fromBuild.startsWith(`${tree}/`)) compiled.add(`${fromBuild}.cc`);
  }
  return compiled;
}

function runNodeGyp(tree: Tree, lock: number, args: string[]): { ok: boolean; output: string; error?: Error } {
  // Build against the headers of the Node that runs us when they are
  // installed beside it (Debian's nodejs, the official images): no download.
  const prefix = dirname(dirname(process.execPath));
  const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
  const result = spawnSync(nodeGyp, [...args, ...nodedir], {
    cwd: treeDir(tree),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe', lock],
  });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`, error: result.error };
}

/** The locked part: configure when needed, make, then the link check and the stamp. */
function build(tree: Tree, type: string, debug: boolean, lock: number): BuildOutcome {
  const previous = readStamp(tree, type);
  rmSync(stampPath(tree, type), { force: true }); // a build in progress is never up to date
  const inputsBefore = buildInputs(tree).map(fileState);

  const missing = missingSources(tree);
  if (missing !== undefined) return missing;

  // Always said: node-gyp otherwise builds what the last configure chose.
  const mode = debug ? ['--debug'] : ['--no-debug'];
  const gypChanged = previous === undefined || !sameStates(previous.inputs.filter((s) => gypInputs(tree).includes(s.path)), gypInputs(tree).sort().map(fileState));
  if (gypChanged || !existsSync(join(buildDir(tree), 'Makefile')) || !existsSync(join(buildDir(tree), 'config.gypi'))) {
    const configured = runNodeGyp(tree, lock, ['configure', ...mode]);
    if (configured.error !== undefined) return setupFailure(tree, `node-gyp could not be run (${configured.error.message})`);
    if (!configured.ok) return setupFailure(tree, `node-gyp could not configure the ${tree} build`, configured.output);
  }
  const built = runNodeGyp(tree, lock, ['build', '--jobs=max', ...mode]);
  if (built.error !== undefined) return setupFailure(tree, `node-gyp could not be run (${built.error.message})`);

  // Warnings per file: this build's for what it compiled, the last ones for the rest.
  const compiled = compiledNow(tree, built.output);
  const ownWarnings = parseDiagnostics(built.output, root, buildDir(tree), `${tree}/`).filter((d) => d.severity === 'warning' && d.file.startsWith(`${tree}/`));
  const unique = new Map(ownWarnings.map((w) => [`${location(w)} ${w.message}`, w]));
  const warnings = [...(previous?.warnings ?? []).filter((w) => !compiled.has(w.file)), ...unique.values()].sort(
    (a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0),
  );

  let outcome: BuildOutcome;
  if (!built.ok) {
    outcome = /error:/.test(built.output) && parseDiagnostics(built.output, root, buildDir(tree), `${tree}/`).some((d) => d.severity === 'error')
      ? compileFailure(tree, built.output)
      : setupFailure(tree, `the ${tree} build failed (${relative(root, buildDir(tree))})`, built.output);
    if (!outcome.ok && outcome.kind === 'setup') return outcome; // the machine's problem: try again next time
  } else {
    outcome = linkFailure(tree, type) ?? { ok: true, tree, warnings, upToDate: false };
    if (!outcome.ok && outcome.kind === 'setup') return outcome;
  }
  // Inputs edited during the build make the stamp stale at once: the next command builds again.
  const stamp: Stamp = { version: STAMP_VERSION, inputs: inputsBefore, addon: fileState(addonPath(tree, type, '')), outcome, warnings };
  mkdirSync(dirname(stampPath(tree, type)), { recursive: true });
  writeFileSync(stampPath(tree, type), `${JSON.stringify(stamp)}\n`);
  return outcome;
}

/**
 * Builds the tree's addon unless the stamp says it is up to date, holding the
 * tree's build lock. Prints nothing except the one "waiting" line (onWait):
 * the caller prints outcome.text, or warningText(outcome.warnings).
 */
export function buildTree(tree: Tree, options: BuildOptions = {}): BuildOutcome {
  const type = buildType(options.debug);
  if (!options.force) {
    const stamped = stampedOutcome(tree, type);
    if (stamped !== undefined) return stamped;
  }
  const onWait = options.onWait ?? ((message: string) => process.stderr.write(`${message}\n`));
  try {
    return withBuildLock(buildDir(tree), `the ${tree} tree`, onWait, (lock) => {
      // Another command may have built it while we waited.
      const stamped = options.force ? undefined : stampedOutcome(tree, type);
      return stamped ?? build(tree, type, options.debug === true, lock);
    });
  } catch (error) {
    if (error instanceof BuildLockError) return setupFailure(tree, error.message);
    throw error;
  }
}

/** Prints an outcome as a build command does: the failure, or the learner's warnings. */
export function printOutcome(outcome: BuildOutcome, stream: NodeJS.WritableStream = process.stderr): void {
  if (!outcome.ok) stream.write(outcome.text);
  else stream.write(warningText(outcome.warnings));
}

/** Builds the tree's Release addon unless it is up to date, printing what went wrong; true when it is usable. */
export function ensureBuilt(tree: Tree): boolean {
  const outcome = buildTree(tree);
  printOutcome(outcome);
  return outcome.ok;
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
  for (const tree of trees) {
    const outcome = buildTree(tree, { debug, force: true });
    printOutcome(outcome);
    ok = outcome.ok && ok;
  }
  process.exit(ok ? 0 : 1);
}
