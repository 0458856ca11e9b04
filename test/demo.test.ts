/**
 * Runs the demo supervisor's scripted scenario (`npm run demo -- --for 5s`) as a child process,
 * so that the demo cannot rot: it must exit 0 on its own (every server, timer and watcher
 * closed), show each step of the scenario, and its http service must really answer on
 * 127.0.0.1.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');

function runDemo(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [require.resolve('tsx/cli'), 'examples/supervisor/main.ts', ...args], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

describe('examples/supervisor (npm run demo)', () => {
  let result: Awaited<ReturnType<typeof runDemo>>;
  beforeAll(async () => {
    result = await runDemo(['--for', '5s']);
  }, 30_000);

  it('should exit 0 on its own, soon after its time is up', () => {
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
    expect(result.ms).toBeLessThan(15_000);
  });

  it('should create the services of services.json', () => {
    expect(result.stdout).toMatch(/\+ added web \(http\)/);
    expect(result.stdout).toMatch(/\+ added tick \(ticker\)/);
    expect(result.stdout).toMatch(/\+ added flaky \(flaky\)/);
  });

  it('should show the flaky service failing and retrying with backoff', () => {
    expect(result.stdout).toMatch(/flaky: attempt 1 failed, next in 300 ms: connection refused/);
    expect(result.stdout).toMatch(/flaky: attempt 2 failed, next in 600 ms: connection refused/);
  });

  it('should play each step of the scenario, in order', () => {
    const steps = [
      /== step 1\/4: add "api"/,
      /\+ added api \(http\)/,
      /== step 2\/4: edit the greeting of "api"/,
      /~ edited api: new config accepted/,
      /== step 3\/4: give "tick" a bad config/,
      /! refused tick: ticker config: everyMs must be a whole number from 50 to 3600000, got -5; it keeps its current config/,
      /== step 4\/4: remove "flaky"/,
      /- removed flaky/,
      /shutting down \(end of scenario\)/,
      /bye/,
    ];
    let from = 0;
    for (const step of steps) {
      const found = step.exec(result.stdout.slice(from));
      if (!found) throw new Error(`missing, after position ${from}: ${step}\n\n${result.stdout}`);
      from += found.index + found[0].length;
    }
  });

  it('should serve HTTP on 127.0.0.1 from the http service, before and after the edit', () => {
    expect(result.stdout).toMatch(/self-check: GET http:\/\/127\.0\.0\.1:\d+\/ -> 200 "hello from api"/);
    expect(result.stdout).toMatch(/self-check: GET http:\/\/127\.0\.0\.1:\d+\/ -> 200 "hello again, edited live"/);
  });

  it('should print the status table with the refused service still running its old config', () => {
    const tables = result.stdout.split(/^\+\d+\.\d+s status:$/m);
    const last = tables[tables.length - 1]!;
    expect(last).toMatch(/^\s+ID\s+KIND\s+STATUS\s+FAILED\s+NEXT IN\s+LAST ERROR\s+INFO$/m);
    expect(last).toMatch(/^\s+tick\s+ticker\s+running\s/m);
    expect(last).toMatch(/^\s+api\s+http\s+running\s.*hello again/m);
    expect(last).not.toMatch(/^\s+flaky\s/m);
  });
});
