// kit/commands/doctor.ts: `make doctor` checks, one by one, what the labs
// need from the machine, and prints the exact fix for each problem.
//
// Two kinds of finding: a problem stops the labs (Linux, Node, the compiler,
// make, python3, node-gyp, the two native builds) and makes the command
// exit 1; a warning costs a convenience (strace and ptrace for `make trace`,
// gdb for debugging your C++, inotify limits for `make watch` and VS Code,
// git for `make reset-N`) and leaves the exit code 0.
//
// See: ptrace(2) (and the Yama ptrace_scope in its NOTES), inotify(7)
// (/proc/sys/fs/inotify/*), capabilities(7) (CAP_SYS_PTRACE).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Tree } from '../../native/binding.ts';
import { isUpToDate } from '../build.ts';
import { root } from '../paths.ts';
import { paint } from '../terminal.ts';
import { TS_LOADER } from '../ts-loader.ts';

/** skipped: not tried, because a problem above makes it pointless. */
type Level = 'ok' | 'warning' | 'problem' | 'skipped';

interface Finding {
  level: Level;
  what: string;
  /** The exact command or step that fixes it. */
  fix?: string;
}

interface Ran {
  ok: boolean;
  /** The program is not installed (or not on PATH). */
  missing: boolean;
  output: string;
}

function run(command: string, args: string[], timeoutMs = 60_000): Ran {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: timeoutMs });
  const missing = (result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  return { ok: result.status === 0, missing, output: result.error && !missing ? result.error.message : output };
}

const firstLine = (text: string): string => text.split('\n')[0]!.trim();

/** package.json's engines.node: the one statement of the Node versions the kit supports. */
export function enginesRange(): string {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines?: { node?: unknown } };
  const range = manifest.engines?.node;
  if (typeof range !== 'string') throw new Error('package.json has no engines.node range');
  return range;
}

/** The part of the semver package the doctor uses (npm's own range rules). */
interface Semver {
  satisfies(version: string, range: string, options?: { includePrerelease?: boolean }): boolean;
  validRange(range: string): string | null;
}

/**
 * semver, loaded when first needed: installed with node-gyp (make setup), so
 * a missing one is a finding of its own rather than a doctor that cannot start.
 */
function loadSemver(): Semver {
  return createRequire(import.meta.url)('semver') as Semver;
}

/** True when `version` (e.g. v24.1.0) is one that package.json's engines allows. */
export function nodeVersionSupported(version: string, range: string = enginesRange()): boolean {
  const semver = loadSemver();
  if (semver.validRange(range) === null) throw new Error(`package.json's engines.node (${range}) is not a version range`);
  // includePrerelease: a nightly or rc of an allowed line is allowed too.
  return semver.satisfies(version, range, { includePrerelease: true });
}

const APT = 'sudo apt-get update && sudo apt-get install -y';

function checkPlatform(): Finding {
  return process.platform === 'linux'
    ? { level: 'ok', what: 'Linux (the labs use /proc, SCM_RIGHTS and SO_PEERCRED)' }
    : {
        level: 'problem',
        what: `this is ${process.platform}, and the labs need Linux`,
        fix: 'open the project in its devcontainer (VS Code: "Reopen in Container") or in GitHub Codespaces',
      };
}

function checkNode(): Finding {
  const version = process.version;
  let range: string;
  let supported: boolean;
  try {
    range = enginesRange();
    supported = nodeVersionSupported(version, range);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' ? 'the semver package is not installed' : (error as Error).message;
    return { level: 'warning', what: `Node.js ${version}, not compared with package.json's engines: ${why}`, fix: 'make setup   (runs npm ci)' };
  }
  return supported
    ? { level: 'ok', what: `Node.js ${version} (package.json's engines: ${range})` }
    : {
        level: 'problem',
        what: `Node.js ${version} is not one the kit supports: package.json's engines asks for ${range}`,
        fix: 'install Node.js 22 or 24 LTS (e.g. `nvm install 24`), or use the devcontainer',
      };
}

/** A tool on PATH, shown by the first line of its version output. */
function checkTool(name: string, args: string[], level: 'warning' | 'problem', why: string, fix: string): Finding {
  const ran = run(name, args);
  if (ran.ok) return { level: 'ok', what: `${name}: ${firstLine(ran.output)}` };
  return {
    level,
    what: ran.missing ? `${name} is not installed (${why})` : `${name} does not run: ${firstLine(ran.output)}`,
    fix,
  };
}

function checkNodeGyp(): Finding {
  const ran = run('npm', ['exec', '--offline', '--yes=false', '--', 'node-gyp', '--version']);
  if (ran.ok) return { level: 'ok', what: `node-gyp ${firstLine(ran.output.split('\n').find((l) => /^v\d/.test(l)) ?? ran.output)} (through npm)` };
  return {
    level: 'problem',
    what: ran.missing ? 'npm is not installed (it comes with Node.js)' : `node-gyp is not reachable through npm: ${firstLine(ran.output)}`,
    fix: ran.missing ? 'install Node.js with npm, or use the devcontainer' : 'make setup   (runs npm ci, which installs node-gyp)',
  };
}

/**
 * A tree's addon builds and loads. Builds in a child so the compiler's
 * output is ours to summarize; loads in a child so a broken addon cannot
 * take the doctor down with it.
 */
function checkBuild(tree: Tree, solutionsOk: boolean): Finding {
  if (!isUpToDate(tree)) {
    const built = run(process.execPath, [...TS_LOADER, join(root, 'kit', 'build.ts'), tree], 300_000);
    if (!built.ok) {
      if (tree === 'labs' && solutionsOk) {
        // Same compiler, same frame: what breaks is the learner's own C++.
        return {
          level: 'warning',
          what: 'the labs addon does not build: your C++ in labs/ does not compile yet',
          fix: 'make lab-N shows the compiler\'s first error with its file and line; make reset-N starts a lab over',
        };
      }
      const lines = built.output.split('\n').filter((line) => /error|fdlab:/.test(line)).slice(0, 3);
      return {
        level: 'problem',
        what: `the ${tree} addon does not build:\n${lines.map((line) => `           ${line}`).join('\n')}`,
        fix: 'fix the problems above first (compiler, make, python3, node-gyp), then make setup',
      };
    }
  }
  const probe =
    `const { openFdlab } = await import('./native/index.ts');` +
    `const f = openFdlab('${tree}');` +
    (tree === 'solutions' ? 'const [a, b] = f.socketpair(); f.closeFd(a); f.closeFd(b);' : '');
  const loaded = run(process.execPath, [...TS_LOADER, '--input-type=module', '-e', probe]);
  if (!loaded.ok) {
    const why = loaded.output.split('\n').find((line) => /Error/.test(line)) ?? firstLine(loaded.output);
    return { level: 'problem', what: `the ${tree} addon is built but does not load: ${why.trim()}`, fix: `rm -rf native/trees/${tree}/build && make setup` };
  }
  return { level: 'ok', what: tree === 'solutions' ? 'the solutions addon builds, loads and makes a socketpair' : 'the labs addon (your C++) builds and loads' };
}

function checkPtrace(): Finding {
  const ran = run('strace', ['-f', '-o', '/dev/null', 'true']);
  if (ran.missing) return { level: 'warning', what: 'ptrace not tested: strace is not installed', fix: `${APT} strace` };
  if (ran.ok) return { level: 'ok', what: 'ptrace is allowed (strace -f can trace a child)' };
  let scope = '';
  try {
    scope = readFileSync('/proc/sys/kernel/yama/ptrace_scope', 'utf8').trim();
  } catch {
    // no Yama: the container's capabilities or seccomp are what stop it
  }
  return {
    level: 'warning',
    what: `ptrace is not permitted here, so make trace cannot run (strace says: ${firstLine(ran.output)})`,
    fix:
      scope === '3'
        ? 'kernel.yama.ptrace_scope is 3 (no ptrace until reboot): set kernel.yama.ptrace_scope=1 in /etc/sysctl.d/ and reboot'
        : 'run in the devcontainer, which adds capAdd SYS_PTRACE and seccomp=unconfined; with plain docker: ' +
          'docker run --cap-add=SYS_PTRACE --security-opt seccomp=unconfined ...' +
          (scope === '2' ? '; on this host: echo 1 | sudo tee /proc/sys/kernel/yama/ptrace_scope' : ''),
  };
}

function readNumber(path: string): number | undefined {
  try {
    return Number(readFileSync(path, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/** VS Code and `make watch` each take inotify watches and instances; too few and saves go unseen. */
function checkInotify(): Finding[] {
  const limits = [
    { name: 'max_user_watches', least: 65_536, want: 524_288 },
    { name: 'max_user_instances', least: 128, want: 512 },
  ];
  return limits.map(({ name, least, want }) => {
    const value = readNumber(`/proc/sys/fs/inotify/${name}`);
    if (value === undefined) {
      return { level: 'warning', what: `inotify ${name} cannot be read; make watch will poll`, fix: 'use Linux or the devcontainer' };
    }
    if (value >= least) return { level: 'ok', what: `inotify ${name} is ${value}` };
    return {
      level: 'warning',
      what: `inotify ${name} is ${value}: VS Code and make watch may miss saves`,
      fix: `echo fs.inotify.${name}=${want} | sudo tee -a /etc/sysctl.conf && sudo sysctl -p` +
        ' (in a container, run it on the host: the limit is the host kernel\'s)',
    };
  });
}

export function doctorCommand(): number {
  const p = paint();
  const say = (finding: Finding): void => {
    const label = { ok: p.good('ok     '), warning: p.warn('warning'), problem: p.bad('problem'), skipped: p.dim('skipped') }[finding.level];
    process.stdout.write(`  ${label}  ${finding.what}\n`);
    if (finding.fix !== undefined) process.stdout.write(`           fix: ${finding.fix}\n`);
  };
  process.stdout.write(`${p.bold('fdlab doctor')}: checking what the labs need\n\n`);

  const findings: Finding[] = [];
  const check = (finding: Finding): Finding => {
    findings.push(finding);
    say(finding);
    return finding;
  };

  check(checkPlatform());
  check(checkNode());
  const toolchain = [
    check(checkTool('g++', ['--version'], 'problem', 'the C++ compiler for the addon', `${APT} build-essential`)),
    check(checkTool('make', ['--version'], 'problem', 'runs the builds and every command', `${APT} build-essential`)),
    check(checkTool('python3', ['--version'], 'problem', 'node-gyp needs it', `${APT} python3`)),
    check(checkNodeGyp()),
  ];
  if (toolchain.every((finding) => finding.level === 'ok')) {
    const solutions = check(checkBuild('solutions', false));
    check(checkBuild('labs', solutions.level === 'ok'));
  } else {
    check({ level: 'skipped', what: 'the native builds: fix the toolchain above first' });
  }
  check(checkTool('strace', ['-V'], 'warning', 'make trace shows the syscalls with it', `${APT} strace`));
  check(checkPtrace());
  check(checkTool('gdb', ['--version'], 'warning', 'VS Code debugs your C++ with it', `${APT} gdb`));
  for (const finding of checkInotify()) check(finding);
  check(checkTool('git', ['--version'], 'warning', 'make reset-N finds your labs\' starting state in git', `${APT} git`));

  const problems = findings.filter((finding) => finding.level === 'problem').length;
  const warnings = findings.filter((finding) => finding.level === 'warning').length;
  process.stdout.write('\n');
  if (problems > 0) {
    process.stdout.write(`${p.bad(`${problems} problem${problems === 1 ? '' : 's'}`)} stop the labs: apply each fix, then make doctor again.\n`);
    return 1;
  }
  const note = warnings > 0 ? ` (${warnings} warning${warnings === 1 ? '' : 's'}: the labs work, with less help)` : '';
  process.stdout.write(`${p.good('All good')}: the labs can build and run here${note}. Start with make status.\n`);
  return 0;
}
