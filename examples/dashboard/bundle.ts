/** Bundles the dashboard page (app.tsx and what it imports) into one browser script, in memory. */
import { join } from 'node:path';
import { build } from 'esbuild';

/** The page's script: ES module, minified, React in its production build. */
export async function bundleDashboard(): Promise<string> {
  const result = await build({
    entryPoints: [join(__dirname, 'app.tsx')],
    tsconfig: join(__dirname, '..', '..', 'tsconfig.json'), // maps rx-lifecycle/* to src/
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  return result.outputFiles[0]!.text;
}
