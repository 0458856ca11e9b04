/**
 * Finds a Chromium for the browser tests, or installs one: `CHROMIUM_PATH` when set, else a
 * system Chromium (`chromium`, `chromium-browser`, `google-chrome`); when none is found and
 * this runs as root on a system with apt-get (a fresh CI machine or container), Debian's
 * `chromium` package is installed, as Playwright's `install --with-deps` would. Otherwise it
 * fails with one line saying what to run.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A Chromium binary already on this machine, if any. */
export function findChromium(): string | undefined {
  const fromEnv = process.env['CHROMIUM_PATH'];
  if (fromEnv) {
    if (!executable(fromEnv)) throw new Error(`CHROMIUM_PATH=${fromEnv} is not an executable file`);
    return fromEnv;
  }
  return CANDIDATES.find(executable);
}

const HOW = 'no Chromium found: run `sudo apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary';

/** A Chromium binary: found, or installed with apt-get when running as root. Throws {@link HOW} otherwise. */
export function provideChromium(): string {
  const found = findChromium();
  if (found !== undefined) return found;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !executable('/usr/bin/apt-get')) throw new Error(HOW);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update'], { env, stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { env, stdio: 'ignore', timeout: 600_000 });
  } catch (err) {
    throw new Error(`installing chromium with apt-get failed (${(err as Error).message.split('\n')[0]}); ${HOW}`);
  }
  const installed = findChromium();
  if (installed === undefined) throw new Error(HOW);
  return installed;
}

/** Flags for a headless, quiet, throwaway Chromium (its profile goes in `userDataDir`). */
export function chromiumArgs(userDataDir: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${userDataDir}`,
  ];
}
