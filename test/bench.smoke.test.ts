/**
 * Keeps the benchmark from rotting: runs `bench/index.ts` in its quick mode (tiny iteration
 * counts, 1,000-service maps, no budget enforcement, no file written) and checks that it
 * completes and prints every figure and every budget. No timing is asserted here.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { BUDGETS, FIGURES } from '../bench/figures';

const root = path.resolve(__dirname, '..');
const written = ['docs/benchmarks.svg', 'docs/benchmarks.md'].map((file) => path.join(root, file));

function mtimes(): (number | undefined)[] {
  return written.map((file) => {
    try {
      return statSync(file).mtimeMs;
    } catch {
      return undefined;
    }
  });
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('bench/index.ts', () => {
  describe('in quick mode', () => {
    let status: number | null;
    let stdout: string;
    let stderr: string;
    let before: (number | undefined)[];

    beforeAll(() => {
      before = mtimes();
      const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/index.ts'], {
        cwd: root,
        env: { ...process.env, BENCH_QUICK: '1', BENCH_LIB: 'src' },
        encoding: 'utf8',
        timeout: 90_000,
      });
      status = run.status;
      stdout = run.stdout;
      stderr = run.stderr;
    }, 100_000);

    it('should complete with exit status 0', () => {
      expect({ status, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, stderr: '' });
    });

    it('should say it is the quick mode', () => {
      expect(stdout).toContain('QUICK');
    });

    it.each(FIGURES.map((figure) => figure.key))('should print the figure %s with a value', (key) => {
      expect(stdout).toMatch(new RegExp(`^ {2}${escape(key)} .*\\d+(\\.\\d+)? (ns|ms|B)\\b`, 'm'));
    });

    it.each(BUDGETS.map((budget) => budget.key))('should print the budget %s', (key) => {
      expect(stdout).toMatch(new RegExp(`^ {2}${escape(key)} .*(pass|FAIL)`, 'm'));
    });

    it('should write no file', () => {
      expect(mtimes()).toEqual(before);
    });
  });
});
