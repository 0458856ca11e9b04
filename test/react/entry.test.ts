import * as fs from 'node:fs';
import * as path from 'node:path';
import * as react from 'rx-lifecycle/react';

const root = path.resolve(__dirname, '..', '..');

function sources(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(`${dir}/${e.name}`) : /\.tsx?$/.test(e.name) ? [`${dir}/${e.name}`] : []));
}

describe('rx-lifecycle/react', () => {
  it('should export the four hooks of SPEC section 10', () => {
    expect(Object.keys(react).sort()).toEqual(['useConnection', 'useServiceState', 'useServiceStates', 'useServiceSummary']);
    for (const hook of Object.values(react)) expect(typeof hook).toBe('function');
  });

  it('should be the only entry point that loads react (an optional peer dependency)', () => {
    const importsReact = /\bfrom\s+['"]react(?:-dom)?(?:\/[^'"]*)?['"]|require\(\s*['"]react/;
    const offenders = sources('src').filter((f) => !f.startsWith('src/react/') && importsReact.test(fs.readFileSync(path.join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
    const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
      peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      dependencies: Record<string, string>;
    };
    expect(manifest.peerDependencies['react']).toBe('>=18');
    expect(manifest.peerDependenciesMeta?.['react']?.optional).toBe(true);
    expect(manifest.dependencies['react']).toBeUndefined();
  });
});
