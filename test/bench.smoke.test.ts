/**
 * Keeps the benchmark from rotting: runs `bench/index.ts` in its quick mode (tiny counts,
 * maps of 200 and 2,000 services, goals not enforced) and checks that it completes, prints
 * every figure, every goal with PASS or MISS and every information ratio, and writes its
 * results and chart to the file named by BENCH_OUT, not to docs/. No timing is asserted here.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIGURES, GOALS, INFO } from '../bench/figures';

const root = path.resolve(__dirname, '..');
const docs = ['docs/benchmarks.svg', 'docs/benchmarks.md'].map((file) => path.join(root, file));

function mtimes(): (number | undefined)[] {
  return docs.map((file) => {
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
    let dir: string;
    let markdown: string;
    let svg: string;

    beforeAll(() => {
      before = mtimes();
      dir = mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
      const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/index.ts'], {
        cwd: root,
        env: { ...process.env, BENCH_QUICK: '1', BENCH_LIB: 'src', BENCH_OUT: path.join(dir, 'results.md') },
        encoding: 'utf8',
        timeout: 90_000,
      });
      status = run.status;
      stdout = run.stdout;
      stderr = run.stderr;
      const read = (file: string) => {
        try {
          return readFileSync(path.join(dir, file), 'utf8');
        } catch {
          return '';
        }
      };
      markdown = read('results.md');
      svg = read('results.svg');
    }, 100_000);

    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('should complete with exit status 0', () => {
      expect({ status, stderr: status === 0 ? '' : stderr }).toEqual({ status: 0, stderr: '' });
    });

    it('should say it is the quick mode', () => {
      expect(stdout).toContain('QUICK');
    });

    it.each(FIGURES.map((figure) => figure.key))('should print the figure %s with a value', (key) => {
      expect(stdout).toMatch(new RegExp(`^ {2}${escape(key)} .*\\d+(\\.\\d+)? (ns|ms|B)$`, 'm'));
    });

    it.each(GOALS.map((goal) => goal.key))('should print the goal %s with its value and PASS or MISS', (key) => {
      expect(stdout).toMatch(new RegExp(`^ {2}${escape(key)} .*\\d+(\\.\\d+)?(x| B) +goal [≤≥] \\d+(\\.\\d+)?.*(PASS|MISS)`, 'm'));
    });

    it.each(INFO.map((info) => info.key))('should print the information ratio %s', (key) => {
      expect(stdout).toMatch(new RegExp(`^ {2}${escape(key)} .*\\d+\\.\\d\\dx`, 'm'));
    });

    it('should write every goal and figure to the BENCH_OUT file', () => {
      expect(markdown).toContain('<!-- bench:results:begin -->');
      for (const goal of GOALS) expect(markdown).toContain(`| ${goal.title} |`);
      for (const figure of FIGURES) expect(markdown).toContain(`| \`${figure.key}\` |`);
    });

    it('should write the chart next to it, one bar per goal', () => {
      expect(svg.startsWith('<svg')).toBe(true);
      expect(svg.match(/<rect x=/g)).toHaveLength(GOALS.length);
    });

    it('should not touch docs/', () => {
      expect(mtimes()).toEqual(before);
    });
  });
});
