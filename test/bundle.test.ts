/**
 * The bundle-size budgets of SPEC section 8 (issue 14): what an app pays, minified and
 * gzipped by esbuild with rxjs external, for what it imports from the built package.
 * Prints the measured sizes (for docs/benchmarks.md) and, over a budget, the inputs that
 * weigh most.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILD_TIMEOUT, buildPackage, bundle, kb, type BuiltPackage, type BundleResult } from './helpers/bundle';

const KB = 1024;

/** The budgets, each with an entry that uses what it imports. */
const budgets = [
  {
    name: '{ retryBackoff }',
    budget: 2 * KB,
    code: "export { retryBackoff } from 'rx-lifecycle';",
  },
  {
    name: '{ Service, statusOf }',
    budget: 6 * KB,
    code: `
      import { Service, statusOf } from 'rx-lifecycle';
      const service = new Service((config) => console.log('apply', config));
      service.state$.subscribe((state) => console.log(statusOf(state)));
      service.start();
      service.configure('{"n":1}');
    `,
  },
  {
    name: '{ Service, ServiceMap } with states$ and summary$',
    budget: 12 * KB,
    code: `
      import { Service, ServiceMap } from 'rx-lifecycle';
      const map = new ServiceMap(() => new Service(() => {}));
      map.states$.subscribe((all) => console.log(all.size, [...all.keys()]));
      map.summary$.subscribe((summary) => console.log(summary.total, summary.active));
      map.create('a', 'worker', { active: true });
    `,
  },
] as const;

let pkg: BuiltPackage;
const measured = new Map<string, BundleResult>();

beforeAll(() => {
  pkg = buildPackage();
}, BUILD_TIMEOUT);

afterAll(() => {
  if (measured.size > 0) {
    const rows = budgets.filter((b) => measured.has(b.name)).map((b) => {
      const m = measured.get(b.name)!;
      return `| \`${b.name}\` | ${kb(m.minified)} | ${kb(m.gzipped)} (${m.gzipped} B) | ${kb(b.budget)} |`;
    });
    const largest = budgets.filter((b) => measured.has(b.name)).map((b) => {
      const top = measured.get(b.name)!.inputs.slice(0, 5).map(([file, bytes]) => `${file.replace(/^node_modules\/rx-lifecycle\/dist\/esm\//, '')} ${bytes}`);
      return `${b.name}: ${top.join(', ')}`;
    });
    console.log(
      ['Bundle sizes (esbuild --bundle --minify, ESM, rxjs external, gzip):', '| import | min | min+gzip | budget |', '| --- | --- | --- | --- |', ...rows, '', 'Largest inputs (minified bytes):', ...largest].join('\n'),
    );
  }
  pkg?.dispose();
});

describe('the build', () => {
  it.each(['esm', 'cjs'])('should repeat "sideEffects": false in dist/%s/package.json', (dir) => {
    const nested = JSON.parse(fs.readFileSync(path.join(pkg.packageDir, 'dist', dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(nested).toEqual({ type: dir === 'esm' ? 'module' : 'commonjs', sideEffects: false });
  });
});

describe('bundle size', () => {
  it.each(budgets)('should keep $name within its budget', async ({ name, budget, code }) => {
    const result = await bundle(pkg, code);
    measured.set(name, result);
    if (result.gzipped > budget) {
      const largest = result.inputs.slice(0, 12).map(([file, bytes]) => `  ${String(bytes).padStart(7)} B  ${file}`);
      throw new Error(`${name}: ${result.gzipped} B min+gzip, over the budget of ${budget} B. Largest inputs (minified bytes):\n${largest.join('\n')}`);
    }
    expect(result.gzipped).toBeLessThanOrEqual(budget);
  });

  it('should leave ServiceMap and its dependencies out of a bundle of { Service, statusOf }', async () => {
    const result = await bundle(pkg, budgets[1].code);
    const files = result.inputs.map(([file]) => file);
    expect(files.some((f) => f.endsWith('rx-lifecycle/dist/esm/Service.js'))).toBe(true);
    expect(files.filter((f) => /\/(ServiceMap|lifecycleEvents|logLifecycle)\.js$|node_modules\/(immutable|immer|valibot|uuid)\//.test(f))).toEqual([]);
  });

  it('should leave everything but retryBackoff and its helpers out of a bundle of { retryBackoff }', async () => {
    const result = await bundle(pkg, budgets[0].code);
    const files = result.inputs.map(([file]) => file);
    expect(files.some((f) => f.endsWith('/operators/retryBackoff.js'))).toBe(true);
    expect(files.filter((f) => /\/(Service|ServiceMap|statusOf)\.js$|node_modules\/(?!rx-lifecycle\/)/.test(f))).toEqual([]);
  });
});

describe('browser bundles', () => {
  it('should find no Node built-in in the package root', async () => {
    const result = await bundle(pkg, "export * from 'rx-lifecycle';");
    expect(result.nodeBuiltins).toEqual([]);
  });

  it('should report the Node built-ins a bundle imports', async () => {
    const result = await bundle(pkg, "import { createServer } from 'node:http'; import { readFileSync } from 'fs'; export { createServer, readFileSync };");
    expect(result.nodeBuiltins).toEqual(['fs', 'node:http']);
  });
});
