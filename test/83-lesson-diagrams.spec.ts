// The lessons render in VS Code: every ```mermaid diagram in a lesson
// (labs/*/README.md) parses with Mermaid's own parser, the dev container and
// the workspace recommend the extension that draws them in the Markdown
// preview (bierner.markdown-mermaid), and the lessons open as that preview.
//
// A diagram Mermaid cannot parse shows as an error box where the picture
// should be. The extension bundles Mermaid 11; the devDependency is the same
// major version. mermaid.parse only parses: it needs no DOM (drawing would).
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mermaid from 'mermaid';
import { parse } from 'jsonc-parser';
import { root } from '../kit/paths.ts';
import { fencedBlocks, lessonFiles, readLesson } from './support/markdown.ts';

const lessons = lessonFiles().filter((file) => file.startsWith('labs/'));

/** Each diagram Mermaid rejects: where it is and what the parser said. */
async function diagramErrors(markdown: string, file: string): Promise<string[]> {
  const errors: string[] = [];
  for (const block of fencedBlocks(markdown).filter((b) => b.lang === 'mermaid')) {
    try {
      await mermaid.parse(block.body);
    } catch (error) {
      errors.push(`${file}:${block.line}: ${(error as Error).message}`);
    }
  }
  return errors;
}

/**
 * VS Code's test of an editorAssociations pattern against a file: a pattern
 * with a / must match the whole `scheme:/path` of the file's URI (else only
 * its basename), case-insensitively; `**` is any number of path segments,
 * `*` any characters within one (VS Code's globMatchesResource and glob.ts).
 */
function associationMatches(pattern: string, uri: string): boolean {
  const target = pattern.includes('/') ? uri : uri.slice(uri.lastIndexOf('/') + 1);
  const regex = pattern
    .split('/')
    .map((segment) => (segment === '**' ? '(?:[^/]*/)*' : `${segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}/`))
    .join('')
    .replace(/\/$/, '');
  return new RegExp(`^${regex}$`, 'i').test(target);
}

// The parsed settings files are checked field by field, so any is honest here.
type Json = Record<string, any>;
const readJsonc = (path: string): Json => parse(readFileSync(join(root, path), 'utf8')) as Json;

describe('the lessons render in VS Code', () => {
  describe('their Mermaid diagrams', function () {
    // Mermaid loads each diagram type's parser on its first use: seconds on
    // a busy machine, once.
    this.timeout(120_000);

    it('are all found: one block per ```mermaid fence', () => {
      for (const file of lessons) {
        const text = readLesson(file);
        const fences = text.split('\n').filter((line) => /^```mermaid\s*$/.test(line)).length;
        expect(fencedBlocks(text).filter((b) => b.lang === 'mermaid').map((b) => b.body), file).to.have.length(fences);
      }
    });

    for (const file of lessons) {
      it(`${file}: every diagram parses`, async () => {
        const errors = await diagramErrors(readLesson(file), file);
        expect(errors, errors.join('\n\n')).to.deep.equal([]);
      });
    }

    it('rejects a broken diagram, saying where (the parser is really checking)', async () => {
      const lesson = [
        '# A lesson',
        '',
        '```mermaid',
        'sequenceDiagram',
        '    A->>B: fine',
        '```',
        '',
        '```mermaid',
        'sequenceDiagram',
        '    C->>K: connect (queued; O or N accepts)',
        '```',
        '',
      ].join('\n');
      const errors = await diagramErrors(lesson, 'lesson.md');
      expect(errors).to.have.length(1);
      expect(errors[0]).to.match(/^lesson\.md:9: Parse error on line 2:/);
    });
  });

  describe('in VS Code', () => {
    const container = readJsonc('.devcontainer/devcontainer.json').customizations.vscode;
    const workspace = readJsonc('.vscode/settings.json');

    it('installs the extension that draws Mermaid in the Markdown preview, in the container and outside it', () => {
      expect(container.extensions).to.include('bierner.markdown-mermaid');
      expect(readJsonc('.vscode/extensions.json').recommendations).to.include('bierner.markdown-mermaid');
    });

    it('matches an association pattern as VS Code does', () => {
      expect(associationMatches('labs/*/README.md', 'file:/w/fdlab/labs/01-socketpair/README.md')).to.equal(false);
      expect(associationMatches('**/labs/*/README.md', 'file:/w/fdlab/labs/01-socketpair/readme.md')).to.equal(true);
      expect(associationMatches('*.md', 'file:/w/fdlab/labs/01-socketpair/README.md')).to.equal(true);
    });

    for (const [where, settings] of [['.vscode/settings.json', workspace], ['.devcontainer/devcontainer.json', container.settings]] as const) {
      it(`opens every lesson, and nothing else, as the rendered preview (${where})`, () => {
        const associations: Record<string, string> = settings['workbench.editorAssociations'];
        const editorFor = (path: string): string[] =>
          Object.entries(associations).filter(([pattern]) => associationMatches(pattern, path)).map(([, editor]) => editor);
        // A local folder, and a Codespace's remote one.
        for (const base of ['file:/home/me/fdlab', 'vscode-remote:/workspaces/fdlab']) {
          for (const lesson of lessons) expect(editorFor(`${base}/${lesson}`), lesson).to.deep.equal(['vscode.markdown.preview.editor']);
          for (const other of ['README.md', 'bench/README.md', 'labs/01-socketpair/socketpair.cc']) expect(editorFor(`${base}/${other}`), other).to.deep.equal([]);
        }
      });
    }
  });
});
