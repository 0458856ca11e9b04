import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// `npm run docs` builds the API site with validation on and warnings as errors
// (typedoc.json): a missing TSDoc comment, a broken {@link} or an export that leaks an
// unexported type fails this test, so the docs cannot rot between releases.
describe('API docs', () => {
  it('should build with typedoc without a warning', () => {
    const out = mkdtempSync(join(tmpdir(), 'rx-lifecycle-docs-'));
    try {
      const typedoc = join(__dirname, '..', 'node_modules', 'typedoc', 'bin', 'typedoc');
      const log = execFileSync(process.execPath, [typedoc, '--out', out], {
        cwd: join(__dirname, '..'),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(log).not.toMatch(/\[warning\]|\[error\]/);
      expect(readdirSync(out)).toContain('index.html');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 120_000);
});
