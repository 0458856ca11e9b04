/**
 * The demo dashboard in a real Chromium (driven by playwright-core; see chromium.ts for how
 * the browser is found or installed). The demo supervisor runs as a child process on a
 * temporary services file and a free port; the browser reaches it through a proxy that the
 * test can cut, and its clock runs an hour ahead of the server's, so the retry countdown
 * must use the connection's clockOffset to be right.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { chromiumArgs, provideChromium } from './chromium';
import { startProxy, type CuttableProxy } from './cuttableProxy';

const root = resolve(__dirname, '..', '..');
const SCREENSHOT = join(root, 'docs', 'dashboard.png');
const HOUR = 3_600_000;

const SERVICES = {
  web: { kind: 'http', active: true, config: { port: 0, greeting: 'hello from web' } },
  tick: { kind: 'ticker', active: true, config: { everyMs: 1000 } },
  flaky: { kind: 'flaky', active: true, config: { failures: 100 } },
  idle: { kind: 'ticker', active: false, config: { everyMs: 500 } },
};

interface WireRecord {
  readonly id: string;
  readonly state: { readonly active: boolean; readonly config?: string; readonly nextAttemptTime?: number };
}

/** Starts the demo; resolves with the dashboard's port once it prints its line. */
function startDemo(file: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/supervisor/main.ts', '--file', file, '--port', '0'], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the demo printed no dashboard line in 60 s:\n${out}`)), 60_000);
    const onData = (chunk: string) => {
      out += chunk;
      const m = /^dashboard: http:\/\/127\.0\.0\.1:(\d+)\/$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, port: Number(m[1]), output: () => out });
      }
    };
    child.stdout!.setEncoding('utf8').on('data', onData);
    child.stderr!.setEncoding('utf8').on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited with ${code} before serving the dashboard:\n${out}`));
    });
  });
}

describe('the demo dashboard (npm run demo) in Chromium', () => {
  let tmp: string;
  let demo: Awaited<ReturnType<typeof startDemo>>;
  let proxy: CuttableProxy;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  /** A command or read straight to the demo's server, bypassing the proxy. */
  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`http://127.0.0.1:${demo.port}/api/maps/services${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json() };
  }
  const record = async (id: string) => (await api('GET', `/services/${id}`)).json as WireRecord;
  const row = (id: string): Locator => page.locator(`tr[data-id="${id}"]`);
  const statusText = (id: string) => row(id).locator('[data-field=status]').textContent();
  /** Waits until the status cell of `id` reads `status`. */
  const waitForStatus = (id: string, status: string, timeout: number) =>
    page.waitForFunction(
      ([i, s]) => document.querySelector(`tr[data-id="${i}"] [data-field=status]`)?.textContent === s,
      [id, status] as const,
      { timeout },
    );

  beforeAll(async () => {
    const executablePath = provideChromium();
    tmp = mkdtempSync(join(tmpdir(), 'rx-lifecycle-e2e-'));
    const file = join(tmp, 'services.json');
    writeFileSync(file, JSON.stringify(SERVICES, null, 2));
    demo = await startDemo(file);
    proxy = await startProxy(demo.port);
    const profile = join(tmp, 'profile');
    mkdirSync(profile);
    // Playwright takes the profile directory as an argument (not as --user-data-dir) and adds --headless itself.
    const args = chromiumArgs(profile).filter((a) => !a.startsWith('--user-data-dir') && a !== '--headless');
    context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args, viewport: { width: 980, height: 330 } });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.clock.install({ time: Date.now() + HOUR });
    await page.goto(`http://127.0.0.1:${proxy.port}/`);
    await page.waitForFunction(() => document.querySelector('[data-field=connection]')?.textContent === 'live', null, { timeout: 20_000 });
    await row('idle').waitFor({ timeout: 10_000 });
  }, 900_000);

  afterAll(async () => {
    await context?.close();
    await proxy?.close();
    if (demo && demo.child.exitCode === null) {
      const exited = new Promise((r) => demo.child.once('exit', r));
      demo.child.kill('SIGTERM');
      await exited;
    }
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  afterEach(() => expect(pageErrors).toEqual([]));

  it('should show the summary, one row per service with its status, and the connection', async () => {
    expect(await page.locator('[data-field=connection]').textContent()).toBe('live');
    expect(await page.locator('tr[data-id]').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset['id']))).toEqual([
      'flaky',
      'idle',
      'tick',
      'web',
    ]);
    expect(await statusText('web')).toBe('running');
    expect(await statusText('idle')).toBe('stopped');
    expect(await page.locator('[data-field=summary]').textContent()).toMatch(/^4 services: 3 active, /);
  }, 30_000);

  it('should refuse create and delete: the page only starts, stops and configures', async () => {
    expect((await api('POST', '/services', { id: 'extra', kind: 'ticker' })).status).toBe(403);
    expect((await api('DELETE', '/services/idle', {})).status).toBe(403);
    expect((await record('idle')).id).toBe('idle');
  }, 30_000);

  it('should stop a service within 2 s of a click on Stop, and start it again with Start', async () => {
    await row('tick').getByRole('button', { name: 'Stop' }).click();
    await waitForStatus('tick', 'stopped', 2000);
    expect((await record('tick')).state.active).toBe(false);
    await row('tick').getByRole('button', { name: 'Start' }).click();
    await waitForStatus('tick', 'running', 2000);
    expect((await record('tick')).state.active).toBe(true);
  }, 30_000);

  it('should print one line in the demo log for one stop, from the page or from the services file', async () => {
    const linesAbout = (from: number, id: string) =>
      demo
        .output()
        .slice(from)
        .split('\n')
        .filter((l) => /^\+\d+\.\d+s /.test(l) && l.includes(id) && /stop/.test(l)); // log lines, not the status tables
    /** The log lines about stopping `id` since `from`, once there is at least one. */
    const logged = async (from: number, id: string) => {
      for (let i = 0; i < 100 && linesAbout(from, id).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      return linesAbout(from, id);
    };
    let from = demo.output().length;
    await row('idle').getByRole('button', { name: 'Start' }).click();
    await waitForStatus('idle', 'running', 2000);
    await row('idle').getByRole('button', { name: 'Stop' }).click();
    await waitForStatus('idle', 'stopped', 2000);
    expect(await logged(from, 'idle')).toEqual([expect.stringMatching(/^\+\d+\.\d+s\s+idle: stopped$/)]);

    from = demo.output().length;
    const edited = { ...SERVICES, tick: { ...SERVICES.tick, active: false } };
    writeFileSync(join(tmp, 'services.json'), JSON.stringify(edited, null, 2));
    try {
      await waitForStatus('tick', 'stopped', 5000);
      expect(await logged(from, 'tick')).toEqual([expect.stringMatching(/^\+\d+\.\d+s\s+tick: stopped$/)]);
    } finally {
      writeFileSync(join(tmp, 'services.json'), JSON.stringify(SERVICES, null, 2));
      await waitForStatus('tick', 'running', 5000);
    }
  }, 30_000);

  it('should show a 400 inline for a config that is not JSON, and change nothing', async () => {
    const before = await record('tick');
    await row('tick').getByRole('button', { name: 'Configure' }).click();
    const editor = page.locator('form[data-editor-for="tick"]');
    await editor.getByRole('textbox', { name: 'Config' }).fill('{"everyMs": ');
    await editor.getByRole('button', { name: 'Save' }).click();
    const alert = editor.getByRole('alert');
    await alert.waitFor({ timeout: 5000 });
    expect(await alert.textContent()).toMatch(/^400 /);
    expect(await record('tick')).toEqual(before);
    expect(await statusText('tick')).toBe('running');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await editor.waitFor({ state: 'detached' });
  }, 30_000);

  it('should show a 412 inline when the config changed since the editor opened, and keep the newer config', async () => {
    await row('idle').getByRole('button', { name: 'Configure' }).click();
    const editor = page.locator('form[data-editor-for="idle"]');
    expect(JSON.parse(await editor.getByRole('textbox', { name: 'Config' }).inputValue())).toEqual({ everyMs: 500 });
    expect((await api('POST', '/services/idle/configure', { config: '{"everyMs":700}' })).status).toBe(200);
    await editor.getByRole('textbox', { name: 'Config' }).fill('{"everyMs":900}');
    await editor.getByRole('button', { name: 'Save' }).click();
    const alert = editor.getByRole('alert');
    await alert.waitFor({ timeout: 5000 });
    expect(await alert.textContent()).toMatch(/^412 /);
    expect((await record('idle')).state.config).toBe('{"everyMs":700}');
    await editor.getByRole('button', { name: 'Cancel' }).click();
    await editor.waitFor({ state: 'detached' });
  }, 30_000);

  it('should show a change made while the event stream was cut, once the page has reconnected', async () => {
    proxy.cut();
    await page.waitForFunction(() => document.querySelector('[data-field=connection]')?.textContent === 'reconnecting', null, {
      timeout: 10_000,
    });
    expect((await api('POST', '/services/web/stop', {})).status).toBe(200);
    expect(await statusText('web')).toBe('running'); // the page cannot know yet
    proxy.restore();
    await page.waitForFunction(() => document.querySelector('[data-field=connection]')?.textContent === 'live', null, { timeout: 20_000 });
    await waitForStatus('web', 'stopped', 5000);
    await row('web').getByRole('button', { name: 'Start' }).click();
    await waitForStatus('web', 'running', 2000);
  }, 60_000);

  it('should show the error as the status tooltip and count down to the next attempt, on the server clock', async () => {
    await waitForStatus('flaky', 'retrying', 5000);
    const status = row('flaky').locator('[data-field=status]');
    expect(await status.getAttribute('title')).toMatch(/^connection refused \(simulated failure \d+ of 100\)$/);
    // The page's clock is an hour ahead: without clockOffset, the countdown would read 0s.
    const next = row('flaky').locator('[data-field=next]');
    const seconds = async () => Number(/^(\d+)s$/.exec((await next.textContent()) ?? '')?.[1]);
    await page.waitForFunction(
      () => /^[2-5]s$/.test(document.querySelector('tr[data-id="flaky"] [data-field=next]')?.textContent ?? ''),
      null,
      { timeout: 20_000 },
    );
    const first = await seconds();
    await page.waitForFunction(
      (n) => Number(/^(\d+)s$/.exec(document.querySelector('tr[data-id="flaky"] [data-field=next]')?.textContent ?? '')?.[1]) === n - 1,
      first,
      { timeout: 2500 },
    );
    // and it agrees with the server's nextAttemptTime (this process shares the server's clock)
    const shown = await seconds();
    const { nextAttemptTime } = (await record('flaky')).state;
    expect(nextAttemptTime).toBeDefined();
    expect(Math.abs(Math.ceil((nextAttemptTime! - Date.now()) / 1000) - shown)).toBeLessThanOrEqual(1);
  }, 60_000);

  it('should save a screenshot of the dashboard to docs/dashboard.png', async () => {
    await waitForStatus('flaky', 'retrying', 10_000);
    await page.screenshot({ path: SCREENSHOT });
    expect(existsSync(SCREENSHOT)).toBe(true);
    const png = readFileSync(SCREENSHOT);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(980); // width, from the IHDR chunk
  }, 30_000);
});
