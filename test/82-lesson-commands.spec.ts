// Every command the lessons (labs/*/README.md) and README.md tell the learner
// to type works in the dev container: its program is installed there, a
// `make` target exists in the Makefile, a script given to node exists. A
// lesson saying "nc 127.0.0.1 <port>" in a container without netcat is a dead
// end the learner cannot get past. Also: README's commands table lists every
// learner command of the Makefile.
//
// What counts as a command the learner types:
// - every line of a ```sh, ```bash or ```shell block (`#` comments dropped,
//   a trailing `\` joins the next line), and every `$ ` line of a ```console
//   block (its other lines are output);
// - an inline code span that is a command line (optional VAR=value
//   assignments, a program name, arguments) when it runs `make` or `man`
//   (the kit's commands and the man pages the lessons send you to, named
//   in prose everywhere), or when its sentence, before it, says to run it
//   ("run", "type", "try", "by hand"). A program named without arguments
//   (`ls`, `fork`) is a word, not a command.
// Each command is split at |, ||, &&, ; and a background &, and each part's
// program (after VAR=value, and inside `strace ...`) is checked against what
// the dev container has: the base image's own programs, or a Debian package
// .devcontainer/Dockerfile installs; a man page, against the package that
// has it. See make(1) for pattern rules (lab-%),
// strace(1) for the options that take an argument.
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadLabs } from '../kit/manifest.ts';
import { root } from '../kit/paths.ts';
import { codeSpans, fencedBlocks, lessonFiles, readLesson } from './support/markdown.ts';

/**
 * What node:24-bookworm (the Dockerfile's FROM) already has: node, npm and
 * npx from the Node image; bash, git and the few coreutils/procps programs
 * the lessons use from buildpack-deps:bookworm under it. Kept to what the
 * lessons use: a new program belongs in PROVIDED_BY and the Dockerfile.
 */
const BASE_IMAGE = new Set(['node', 'npm', 'npx', 'bash', 'sh', 'git', 'ls', 'cat', 'rm', 'grep', 'kill', 'echo']);

/** The Debian package that gives each program the lessons use, beyond the base image. */
const PROVIDED_BY: Record<string, string> = {
  make: 'build-essential',
  'g++': 'build-essential',
  gcc: 'build-essential',
  python3: 'python3',
  strace: 'strace',
  gdb: 'gdb',
  less: 'less',
  man: 'man-db',
  nc: 'netcat-openbsd',
};

/**
 * The package of a man page a lesson sends you to (`man 2 sendmsg`): the
 * Linux man-pages project's come with manpages-dev (sections 2 and 3) and
 * manpages (the others); pages from other projects are listed here.
 */
const MAN_PAGES_FROM: Record<string, string> = {
  'sd_listen_fds(3)': 'libsystemd-dev',
};
const manPagePackage = (section: string, page: string): string =>
  MAN_PAGES_FROM[`${page}(${section})`] ?? (['2', '3'].includes(section) ? 'manpages-dev' : 'manpages');

/** Programs that run the command after their options: strace's options that take an argument (strace(1)). */
const WRAPPERS: Record<string, Set<string>> = {
  strace: new Set(['-a', '-b', '-e', '-E', '-I', '-o', '-O', '-p', '-P', '-s', '-S', '-U', '-X']),
};

/**
 * Makefile targets for working on the kit itself, not the learner's commands:
 * README explains them outside the commands table (Quick start, Benchmarks).
 */
const KIT_OWN_TARGETS = ['help', 'setup', 'build', 'test', 'bench', 'fuzz', 'soak', 'asan', 'memcheck', 'under-load'];

interface Command {
  where: string;
  text: string;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
const COMMAND_LINE = /^(?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*([a-z][a-z0-9+_-]*)(\s+\S.*)?$/;
const RUN_SENTENCE = /\b(run|type|try)\b|\bby hand\b/i;

/** The commands of one Markdown file, by the rules in this file's header. */
function commandsIn(markdown: string, file: string): Command[] {
  const commands: Command[] = [];
  for (const block of fencedBlocks(markdown)) {
    if (!['sh', 'bash', 'shell', 'console'].includes(block.lang)) continue;
    const lines = block.body.replace(/\\\n/g, ' ').split('\n');
    lines.forEach((line, i) => {
      let text = line;
      if (block.lang === 'console') {
        if (!line.startsWith('$ ')) return;
        text = line.slice(2);
      }
      text = text.replace(/(^|\s)#.*$/, '').trim();
      if (text !== '') commands.push({ where: `${file}:${block.line + i}`, text });
    });
  }
  for (const span of codeSpans(markdown)) {
    const line = COMMAND_LINE.exec(span.code);
    if (line === null) continue;
    const [, program, args] = line;
    const named = program === 'make' || (program === 'man' && args !== undefined);
    if (named || (args !== undefined && RUN_SENTENCE.test(span.before))) commands.push({ where: `${file}:${span.line}`, text: span.code });
  }
  return commands;
}

/** The simple commands of a command line: each with its program first. */
function simpleCommands(text: string): string[][] {
  const parts = text.split(/\|\||&&|\||;|(?<![<>])&(?!\d)/);
  const commands: string[][] = [];
  for (const part of parts) {
    let words = part.trim().split(/\s+/).filter((w) => w !== '');
    while (words.length > 0 && ASSIGNMENT.test(words[0]!)) words = words.slice(1);
    if (words.length === 0) continue;
    commands.push(words);
    const takesArgument = WRAPPERS[words[0]!];
    if (takesArgument === undefined) continue;
    let i = 1;
    while (i < words.length && words[i]!.startsWith('-')) i += takesArgument.has(words[i]!) ? 2 : 1;
    if (i < words.length) commands.push(...simpleCommands(words.slice(i).join(' ')));
  }
  return commands;
}

/** What the dev container and the kit provide. */
interface Provided {
  /** The packages of the Dockerfile's apt-get install. */
  packages: Set<string>;
  /** The Makefile's targets, pattern rules (with %) included. */
  targets: string[];
  /** What a pattern rule's % may be: a lab's id, or N as README writes it. */
  labIds: Set<string>;
}

function aptPackages(dockerfile: string): Set<string> {
  const packages = new Set<string>();
  for (const match of dockerfile.replace(/\\\n/g, ' ').matchAll(/apt-get install([^&;\n]*)/g)) {
    for (const word of match[1]!.trim().split(/\s+/)) if (word !== '' && !word.startsWith('-')) packages.add(word);
  }
  return packages;
}

function makeTargets(makefile: string): string[] {
  const targets: string[] = [];
  for (const match of makefile.matchAll(/^([^\s#:=$.][^:=#]*?)\s*::?(?!=)/gm)) targets.push(...match[1]!.trim().split(/\s+/));
  return targets;
}

/** What is wrong with one command ([] when it works in the dev container). */
function problemsOf(command: Command, provided: Provided): string[] {
  const problems: string[] = [];
  const say = (what: string): number => problems.push(`${command.where}: \`${command.text}\`: ${what}`);
  for (const [program, ...args] of simpleCommands(command.text)) {
    if (!BASE_IMAGE.has(program!)) {
      const pkg = PROVIDED_BY[program!];
      if (pkg === undefined) {
        say(`nothing installs ${program}: add its Debian package to .devcontainer/Dockerfile and to PROVIDED_BY in test/82-lesson-commands.spec.ts`);
      } else if (!provided.packages.has(pkg)) {
        say(`${program} comes with the Debian package ${pkg}, which .devcontainer/Dockerfile does not install`);
      }
    }
    const words = args.filter((arg) => !/^\d*[<>]/.test(arg));
    if (program === 'make') {
      for (const target of words.filter((arg) => !arg.startsWith('-') && !ASSIGNMENT.test(arg))) {
        if (provided.targets.includes(target)) continue;
        const pattern = provided.targets.find((t) => t.includes('%') && new RegExp(`^${t.replace('%', '(.+)')}$`).test(target));
        if (pattern === undefined) {
          say(`the Makefile has no target ${target}`);
          continue;
        }
        const stem = new RegExp(`^${pattern.replace('%', '(.+)')}$`).exec(target)![1]!;
        if (!provided.labIds.has(stem)) say(`${target} matches ${pattern}, but there is no lab ${stem}`);
      }
    }
    if (program === 'man' && words.length === 2 && /^\d$/.test(words[0]!)) {
      const pkg = manPagePackage(words[0]!, words[1]!);
      if (!provided.packages.has(pkg)) say(`the man page ${words[1]}(${words[0]}) comes with the Debian package ${pkg}, which .devcontainer/Dockerfile does not install`);
    }
    if (program === 'node') {
      for (const script of words.filter((arg) => arg.includes('/') && /\.[cm]?[jt]s$/.test(arg))) {
        if (!existsSync(join(root, script))) say(`node runs ${script}, which does not exist`);
      }
    }
  }
  return problems;
}

const provided: Provided = {
  packages: aptPackages(readFileSync(join(root, '.devcontainer', 'Dockerfile'), 'utf8')),
  targets: makeTargets(readFileSync(join(root, 'Makefile'), 'utf8')),
  labIds: new Set(['N', ...loadLabs().map((lab) => String(lab.id))]),
};

describe('the commands the lessons tell the learner to type', () => {
  describe('finding them', () => {
    it('takes every line of a shell block, without comments, joining continued lines', () => {
      const md = '```sh\nmake lab-1   # the check\n\nstrace -f \\\n  make lab-3\n```\n';
      expect(commandsIn(md, 'x.md')).to.deep.equal([
        { where: 'x.md:2', text: 'make lab-1' },
        { where: 'x.md:4', text: 'strace -f    make lab-3' },
      ]);
    });

    it('takes only the prompt lines of a console block', () => {
      const md = '```console\n$ nc 127.0.0.1 4000\nhello 42\n```\n';
      expect(commandsIn(md, 'x.md').map((c) => c.text)).to.deep.equal(['nc 127.0.0.1 4000']);
    });

    it('takes inline make and man commands anywhere, other commands only where the prose says to run them', () => {
      const md = [
        'The check (`FDLAB_SEED=n make lab-3` replays it) and `man 7\nunix`.',
        '`docker run -it` gives you a terminal: `ls` prints in columns.',
        'Look by hand: `ls -l /proc/self/fd`. Then `cat /proc/self/status` shows more.',
        '',
        'Run this, in a file such as `try.ts`, with `node --import tsx try.ts`.',
      ].join('\n');
      expect(commandsIn(md, 'x.md').map((c) => `${c.where} ${c.text}`)).to.deep.equal([
        'x.md:1 FDLAB_SEED=n make lab-3',
        'x.md:1 man 7 unix',
        'x.md:4 ls -l /proc/self/fd',
        'x.md:6 node --import tsx try.ts',
      ]);
    });

    it('splits a command line into its programs, looking inside strace', () => {
      expect(simpleCommands('FDLAB_TREE=labs node a.ts &')).to.deep.equal([['node', 'a.ts']]);
      expect(simpleCommands('strace -f -e trace=sendmsg make lab-3 2>&1 | grep SCM_RIGHTS')).to.deep.equal([
        ['strace', '-f', '-e', 'trace=sendmsg', 'make', 'lab-3', '2>&1'],
        ['make', 'lab-3', '2>&1'],
        ['grep', 'SCM_RIGHTS'],
      ]);
      expect(simpleCommands('make a && socat - TCP:x; kill 1')).to.deep.equal([['make', 'a'], ['socat', '-', 'TCP:x'], ['kill', '1']]);
    });

    it('reads the Dockerfile\'s packages and the Makefile\'s targets', () => {
      expect(aptPackages('RUN apt-get update \\\n && apt-get install -y --no-install-recommends \\\n   gdb netcat-openbsd \\\n && rm -rf x\n'))
        .to.deep.equal(new Set(['gdb', 'netcat-openbsd']));
      expect(makeTargets('X := 1\n.PHONY: a\n$(DEPS): x\na b: c ## two\nlab-%: $(DEPS)\n\tcmd: not a target\n')).to.deep.equal(['a', 'b', 'lab-%']);
    });
  });

  describe('checking them (each check can fail)', () => {
    const where = 'lesson.md:1';
    const check = (text: string, packages = provided.packages): string[] => problemsOf({ where, text }, { ...provided, packages });

    it('reports a program whose package the Dockerfile does not install', () => {
      const without = new Set([...provided.packages].filter((pkg) => pkg !== 'netcat-openbsd'));
      expect(check('nc 127.0.0.1 4000', without)).to.deep.equal([
        'lesson.md:1: `nc 127.0.0.1 4000`: nc comes with the Debian package netcat-openbsd, which .devcontainer/Dockerfile does not install',
      ]);
    });

    it('reports a program nothing installs', () => {
      expect(check('socat - UNIX-CONNECT:/tmp/s')[0]).to.include('nothing installs socat');
    });

    it('reports a make target the Makefile lacks, and a lab that does not exist', () => {
      expect(check('make lab-1 status FRESH=1')).to.deep.equal([]);
      expect(check('make lab-N')).to.deep.equal([]);
      expect(check('make nonsense')).to.deep.equal(['lesson.md:1: `make nonsense`: the Makefile has no target nonsense']);
      expect(check('make hint-99')[0]).to.include('hint-99 matches hint-%, but there is no lab 99');
    });

    it('reports a man page whose package the Dockerfile does not install', () => {
      expect(check('man 3 sd_listen_fds')).to.deep.equal([]);
      const without = new Set([...provided.packages].filter((pkg) => pkg !== 'libsystemd-dev'));
      expect(check('man 3 sd_listen_fds', without)[0]).to.include('the man page sd_listen_fds(3) comes with the Debian package libsystemd-dev');
      expect(check('man 7 unix', new Set(['man-db', 'manpages-dev']))[0]).to.include('unix(7) comes with the Debian package manpages,');
    });

    it('reports a script given to node that does not exist', () => {
      expect(check('node --import tsx labs/08-cloexec/leak.ts')).to.deep.equal([]);
      expect(check('node --import tsx labs/08-cloexec/nope.ts')[0]).to.include('node runs labs/08-cloexec/nope.ts, which does not exist');
    });
  });

  describe('in the lessons and README.md', () => {
    const files = lessonFiles();
    const all = files.flatMap((file) => commandsIn(readLesson(file), file));

    it('finds the commands of every lesson (its check at least) and of README.md', () => {
      for (const file of files) {
        const texts = all.filter((c) => c.where.startsWith(`${file}:`)).map((c) => c.text);
        expect(texts, file).to.satisfy((found: string[]) => found.some((text) => /^make /.test(text)));
      }
    });

    for (const file of files) {
      it(`${file}: every command works in the dev container`, () => {
        const problems = all.filter((c) => c.where.startsWith(`${file}:`)).flatMap((c) => problemsOf(c, provided));
        expect(problems, problems.join('\n')).to.deep.equal([]);
      });
    }
  });

  describe('README.md\'s commands table', () => {
    const readme = readLesson('README.md');
    const table = /^\| command \| does \|\n\|[-|]+\|\n((?:\|.*\n)+)/m.exec(readme)?.[1] ?? '';
    const listed = [...table.matchAll(/^\| `make ([a-zA-Z-]+)/gm)].map((m) => m[1]!.replace(/-N$/, '-%'));
    const documented = [...readFileSync(join(root, 'Makefile'), 'utf8').matchAll(/^([a-z%-]+):.*## /gm)].map((m) => m[1]!);

    it('is found, and lists only commands the Makefile has', () => {
      expect(listed).to.not.be.empty;
      for (const target of listed) expect(documented, target).to.include(target);
    });

    it('lists every learner command the Makefile documents (the kit\'s own targets aside)', () => {
      const missing = documented.filter((target) => !KIT_OWN_TARGETS.includes(target) && !listed.includes(target));
      expect(missing, 'add them to README.md\'s commands table').to.deep.equal([]);
    });
  });
});
