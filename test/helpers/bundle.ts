/**
 * Bundling the built package as an app would, to measure what an import costs and what it
 * pulls in. For the bundle-size budgets (test/bundle.test.ts) and for any test that checks
 * a subpath stays browser-safe, e.g.
 *
 * ```ts
 * import { buildPackage, bundle, type BuiltPackage } from '../helpers/bundle';
 *
 * let pkg: BuiltPackage;
 * beforeAll(() => { pkg = buildPackage(); }, BUILD_TIMEOUT);
 * afterAll(() => pkg?.dispose());
 * it('should not pull node:http into a browser bundle of the client', async () => {
 *   const result = await bundle(pkg, "export * from 'rx-lifecycle/client';");
 *   expect(result.nodeBuiltins).toEqual([]);
 * });
 * ```
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { builtinModules } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = path.resolve(__dirname, '..', '..');

/** Enough for `buildPackage()` (two tsc runs) on a loaded machine. */
export const BUILD_TIMEOUT = 240_000;

/** A fresh build of the package, laid out in a temp dir as an installed dependency. */
export interface BuiltPackage {
  /** The temp project: `node_modules/rx-lifecycle` in it holds package.json and dist/. */
  readonly dir: string;
  /** The installed package's folder. */
  readonly packageDir: string;
  /** Removes the temp dir. */
  dispose(): void;
}

/**
 * Builds the package with `scripts/build.mjs` (without type-checking, which `npm test`
 * does on its own) into `<tmp>/node_modules/rx-lifecycle/dist`, next to a copy of the root
 * package.json, so that bundlers resolve `rx-lifecycle` and its subpaths through the real
 * `exports` map and read the nested package.json files the build writes. Building into a
 * temp dir keeps clear of any other build of `dist/`. Synchronous: call it in `beforeAll`
 * with {@link BUILD_TIMEOUT}.
 */
export function buildPackage(): BuiltPackage {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rx-lifecycle-bundle-'));
  const packageDir = path.join(dir, 'node_modules', 'rx-lifecycle');
  try {
    fs.mkdirSync(packageDir, { recursive: true });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(packageDir, 'package.json'));
    execFileSync(process.execPath, ['scripts/build.mjs', '--out-dir', path.join(packageDir, 'dist'), '--no-check'], {
      cwd: root,
      stdio: 'pipe',
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    const { status, stdout, stderr } = err as { status?: number; stdout?: Buffer; stderr?: Buffer };
    throw new Error(`node scripts/build.mjs failed (exit code ${status ?? '?'}):\n${stdout?.toString() ?? ''}${stderr?.toString() ?? ''}`);
  }
  return { dir, packageDir, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Options of {@link bundle}. */
export interface BundleOptions {
  /** @defaultValue 'browser' */
  readonly platform?: 'browser' | 'node';
  /** Packages left out of the bundle, as an app that already has them would. @defaultValue rxjs */
  readonly external?: readonly string[];
}

/** What {@link bundle} measured. */
export interface BundleResult {
  /** The minified bundle. */
  readonly code: string;
  /** Its size in bytes. */
  readonly minified: number;
  /** Its size in bytes once gzipped (node:zlib, default level, as `gzip` does). */
  readonly gzipped: number;
  /** Each input that kept code in the bundle (path relative to the temp project) and its bytes there, largest first. */
  readonly inputs: readonly (readonly [string, number])[];
  /** The Node built-in modules the bundle still imports (`node:http`, `fs`, ...): none is safe for a browser. */
  readonly nodeBuiltins: readonly string[];
}

/** Every name of a Node built-in, bare and with `node:`: marked external so that they show up as imports. */
const builtins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];

/**
 * Bundles `code` (an ES module that imports `rx-lifecycle` or its subpaths) against `pkg`
 * with esbuild, as an app would ship it: bundled, minified, ESM, rxjs external.
 * @param code - the entry module's source.
 */
export async function bundle(pkg: BuiltPackage, code: string, options: BundleOptions = {}): Promise<BundleResult> {
  const result = await build({
    stdin: { contents: code, resolveDir: pkg.dir, sourcefile: 'entry.js', loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: options.platform ?? 'browser',
    external: [...(options.external ?? ['rxjs', 'rxjs/*']), ...builtins],
    // The package's dependencies (immer, valibot, ...) come from the repo's node_modules.
    nodePaths: [path.join(root, 'node_modules')],
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0]!;
  const meta = Object.values(result.metafile.outputs)[0]!;
  const inputs = Object.entries(meta.inputs)
    .map(([file, { bytesInOutput }]) => [file.replace(/^.*node_modules\//, 'node_modules/'), bytesInOutput] as const)
    .filter(([, bytes]) => bytes > 0)
    .sort((a, b) => b[1] - a[1]);
  const builtinSet = new Set(builtins);
  const nodeBuiltins = [...new Set(meta.imports.filter((i) => builtinSet.has(i.path)).map((i) => i.path))].sort();
  return { code: output.text, minified: output.contents.length, gzipped: gzipSync(output.contents).length, inputs, nodeBuiltins };
}

/** `bytes` in KB (1024 bytes) with one decimal. */
export const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;
