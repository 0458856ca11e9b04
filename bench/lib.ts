/**
 * The library under test. By default its TypeScript sources, compiled on the fly by tsx.
 * `BENCH_LIB=dist` measures the built package instead (run `npm run build` first), and
 * `BENCH_LIB=/some/dir/index.js` any CommonJS build of it. tsx compiles with esbuild's
 * `keepNames`, which wraps every named closure in a `__name()` call that the shipped `tsc`
 * output does not have, so the sources run a little slower than what users get.
 */
import * as path from 'node:path';
import type * as Lib from '../src/index.js';

const choice = process.env.BENCH_LIB ?? '';

export const libSource: string = choice === '' ? 'src' : choice;

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const lib: typeof Lib = require(
  choice === '' ? '../src/index.js' : choice === 'dist' ? '../dist/cjs/index.js' : path.resolve(choice),
);
