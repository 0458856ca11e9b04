/**
 * The library under test. By default the built package (dist/cjs), which is what users run:
 * `npm run bench` builds it first. `BENCH_LIB=src` measures the TypeScript sources compiled
 * on the fly by tsx (what the smoke test uses; tsx compiles with esbuild's `keepNames`,
 * which wraps every named closure in a `__name()` call that the shipped `tsc` output does
 * not have, so the sources run a little slower), and `BENCH_LIB=/some/dir/index.js` any
 * CommonJS build of it.
 */
import * as path from 'node:path';
import type * as Lib from '../src/index.js';

const choice = process.env.BENCH_LIB || 'dist';

export const libSource: string = choice;

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const lib: typeof Lib = require(
  choice === 'src' ? '../src/index.js' : choice === 'dist' ? '../dist/cjs/index.js' : path.resolve(choice),
);
