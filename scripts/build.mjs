// Builds the package twice from one source: ESM in <out>/esm and CommonJS in <out>/cjs, each
// with its own declarations and a package.json that tells Node which module kind it holds.
//
// Each nested package.json also repeats the root's `"sideEffects": false`: bundlers read
// the nearest package.json above a file, so without it they would keep every module of the
// package in every bundle, whatever was imported (issue 14).
//
// Usage: node scripts/build.mjs [--out-dir <dir>] [--no-check]
//   --out-dir   where to build (default `dist`); the bundle-size test builds into a temp dir
//               so that it does not race another build of dist.
//   --no-check  emit without type-checking (tsc --noCheck): for tests that only need the JS.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: flags } = parseArgs({
  options: { 'out-dir': { type: 'string', default: 'dist' }, 'no-check': { type: 'boolean', default: false } },
});
const outDir = flags['out-dir'];
const extra = flags['no-check'] ? ['--noCheck'] : [];

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
/** Runs tsc; on an error, leaves with its exit code (tsc has printed why). */
function run(...args) {
  try {
    execFileSync(process.execPath, [tsc, ...args, ...extra], { stdio: 'inherit' });
  } catch (err) {
    process.exit(typeof err.status === 'number' ? err.status : 1);
  }
}

rmSync(outDir, { recursive: true, force: true });
run('-p', 'tsconfig.build.json', '--outDir', join(outDir, 'esm'));
run('-p', 'tsconfig.build.json', '--module', 'CommonJS', '--moduleResolution', 'Node10', '--outDir', join(outDir, 'cjs'));
for (const [dir, type] of [['esm', 'module'], ['cjs', 'commonjs']]) {
  mkdirSync(join(outDir, dir), { recursive: true });
  writeFileSync(join(outDir, dir, 'package.json'), `${JSON.stringify({ type, sideEffects: false }, null, 2)}\n`);
}
