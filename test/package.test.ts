/**
 * The package as consumers get it: `npm pack` (which builds, through `prepack`), then
 * - publint and @arethetypeswrong/cli report no problem with the tarball;
 * - the tarball installs into an empty project next to rxjs 7 (from the npm registry), and
 *   a smoke script runs a lifecycle from ESM (`import`) and from CommonJS (`require`), each
 *   loading its own build and sharing the project's rxjs;
 * - a TypeScript consumer type-checks against the installed declarations, as ESM and as CJS
 *   under `module: nodenext`, with `skipLibCheck` off.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

interface Run {
  readonly code: number;
  readonly out: string;
}

/** Runs a command; resolves with its exit code and its stdout and stderr together. */
function run(file: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' }, maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, out: `${stdout}${stderr}` });
      },
    );
  });
}

/** A bin script of a dev dependency, run with this Node. */
function bin(pkg: string, name: string, args: string[], cwd: string): Promise<Run> {
  const manifest = path.join(root, 'node_modules', pkg, 'package.json');
  const bins = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { bin: string | Record<string, string> }).bin;
  const script = typeof bins === 'string' ? bins : bins[name]!;
  return run(process.execPath, [path.join(path.dirname(manifest), script), ...args], cwd);
}

function ok(result: Run, what: string): string {
  if (result.code !== 0) throw new Error(`${what} failed with exit code ${result.code}:\n${result.out}`);
  return result.out;
}

const SMOKE = `
const service = new Service(
  async (config, signal) => {
    if (!config.ok) throw new Error('not ok');
    signal.addEventListener('abort', () => events.push('aborted'));
  },
  { retry: { initialDelay: 5, minDelay: 0, maxAttempts: 3 } },
);
const events = [];
service.state$.subscribe((s) => events.push(statusOf(s)));
service.configure('{"ok":true}');
service.start();
await firstValueFrom(service.state$.pipe(filter((s) => !s.loading)));
assert.equal(statusOf(service.state), 'running');
assert.throws(() => service.start(), AlreadyStartedError);
service.stop();
assert.deepEqual(events, ['stopped', 'stopped', 'starting', 'running', 'aborted', 'stopped']);
assert.ok(Object.isFrozen(service.state));
// rxjs is a peer dependency: the library's Observables are the app's.
assert.ok(service.state$ instanceof Observable);

const map = new ServiceMap((id, kind) => new Service(() => {}), idIsKind);
const sizes = [];
map.states$.subscribe((all) => sizes.push(all.size));
map.create(undefined, 'worker', { active: true, config: '{}' });
assert.equal(statusOf(map.get('worker').service.state), 'running');
assert.throws(() => map.create(undefined, 'worker'), /bad id: id exists/);
map.delete('worker');
assert.deepEqual(sizes, [0, 1, 1, 0]);
assert.throws(() => map.delete('worker'), NotFoundError);
`;

const ESM = `import assert from 'node:assert/strict';
import { Observable, filter, firstValueFrom } from 'rxjs';
import { AlreadyStartedError, NotFoundError, Service, ServiceMap, idIsKind, statusOf } from 'rx-lifecycle';

assert.match(import.meta.resolve('rx-lifecycle'), /\\/dist\\/esm\\/index\\.js$/);
${SMOKE}
console.log('esm smoke ok');
`;

const CJS = `const assert = require('node:assert/strict');
const { Observable, filter, firstValueFrom } = require('rxjs');
const { AlreadyStartedError, NotFoundError, Service, ServiceMap, idIsKind, statusOf } = require('rx-lifecycle');

assert.match(require.resolve('rx-lifecycle'), /[\\\\/]dist[\\\\/]cjs[\\\\/]index\\.js$/);
(async () => {
${SMOKE}
console.log('cjs smoke ok');
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
`;

const CONSUMER = `import { Observable } from 'rxjs';
import {
  AbortRetryError,
  Service,
  ServiceMap,
  abortRetry,
  idIsRequired,
  lifecycleEvents,
  retryBackoff,
  statusOf,
  type ApplyFunc,
  type LifecycleEvent,
  type State,
  type StateRecord,
  type Status,
} from 'rx-lifecycle';

interface Config {
  readonly port: number;
}
const apply: ApplyFunc<Config> = (config, signal) => {
  const port: number = config.port;
  return signal.aborted || port < 0 ? Promise.reject(abortRetry(new Error('no'))) : undefined;
};
const service = new Service<Config>(apply, { retry: { maxAttempts: 3 }, whileLoading: 'switch' });
const state: State = service.start();
const status: Status = statusOf(state);
const states$: Observable<State> = service.state$;
const map = new ServiceMap(() => service, idIsRequired);
const records: StateRecord[] = map.states();
const events$: Observable<LifecycleEvent> = lifecycleEvents(map);
const retried$: Observable<number> = new Observable<number>().pipe(retryBackoff({ maxAttempts: 2 }));
const wrapped: boolean = abortRetry(new Error('x')) instanceof AbortRetryError;
// @ts-expect-error State is read-only
state.active = false;
// @ts-expect-error configure takes text or bytes
service.configure({ port: 1 });
export { status, states$, records, events$, retried$, wrapped };
`;

describe('the packed package', () => {
  let tmp: string;
  let tarball: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rx-lifecycle-pack-'));
    ok(await run(npm, ['pack', '--pack-destination', tmp, '--silent'], root), 'npm pack');
    const packed = fs.readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
    expect(packed).toHaveLength(1);
    tarball = path.join(tmp, packed[0]!);
  }, 120_000);

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('should pass publint with no error, warning or suggestion', async () => {
    const out = ok(await bin('publint', 'publint', ['run', tarball, '--strict', '--level', 'suggestion'], root), 'publint');
    expect(out).not.toMatch(/Suggestions?:|Warnings?:|Errors?:/);
    expect(out).toMatch(/All good/);
  }, 60_000);

  it('should pass @arethetypeswrong/cli for every resolution mode (node10, node16 CJS and ESM, bundler)', async () => {
    const out = ok(await bin('@arethetypeswrong/cli', 'attw', [tarball, '--format', 'json', '--no-color'], root), 'attw');
    const report = JSON.parse(out.slice(out.indexOf('{'))) as {
      analysis: { problems: unknown[]; entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName?: string } }> }> };
    };
    expect(report.analysis.problems).toEqual([]);
    const resolutions = report.analysis.entrypoints['.']!.resolutions;
    expect(Object.keys(resolutions).sort()).toEqual(['bundler', 'node10', 'node16-cjs', 'node16-esm']);
    for (const [mode, r] of Object.entries(resolutions)) {
      expect([mode, r.resolution?.fileName]).toEqual([mode, expect.stringMatching(/\/dist\/(cjs|esm)\/index\.d\.ts$/)]);
    }
  }, 60_000);

  describe('installed into an empty project with rxjs 7', () => {
    let project: string;

    beforeAll(async () => {
      project = path.join(tmp, 'consumer');
      fs.mkdirSync(project);
      fs.writeFileSync(
        path.join(project, 'package.json'),
        `${JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2)}\n`,
      );
      ok(
        await run(npm, ['install', tarball, 'rxjs@7', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'], project),
        'npm install',
      );
    }, 180_000);

    it('should run a lifecycle from ESM', async () => {
      fs.writeFileSync(path.join(project, 'smoke.mjs'), ESM);
      expect(ok(await run(process.execPath, ['smoke.mjs'], project), 'node smoke.mjs')).toContain('esm smoke ok');
    }, 30_000);

    it('should run a lifecycle from CommonJS', async () => {
      fs.writeFileSync(path.join(project, 'smoke.cjs'), CJS);
      expect(ok(await run(process.execPath, ['smoke.cjs'], project), 'node smoke.cjs')).toContain('cjs smoke ok');
    }, 30_000);

    it('should type-check a TypeScript consumer as ESM and as CommonJS', async () => {
      fs.writeFileSync(path.join(project, 'consumer.mts'), CONSUMER);
      fs.writeFileSync(path.join(project, 'consumer.cts'), CONSUMER);
      fs.writeFileSync(
        path.join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            lib: ['es2022', 'dom'],
            types: [],
            strict: true,
            exactOptionalPropertyTypes: true,
            skipLibCheck: false,
            noEmit: true,
          },
          files: ['consumer.mts', 'consumer.cts'],
        }),
      );
      ok(await bin('typescript', 'tsc', ['-p', 'tsconfig.json'], project), 'tsc');
    }, 60_000);
  });
});
