// Finds a `nats-server` binary for the fleet tests, the NATS benchmark and the `--fleet` demo:
// $NATS_SERVER, then the PATH, then (as root on Debian or Ubuntu) `apt-get install nats-server`.
// Otherwise it fails with one line saying what to run.
//
//   node scripts/nats-server.cjs          prints the binary's path (installing it if it can)
//   require('./scripts/nats-server.cjs')  { findNatsServer, ensureNatsServer, startNatsServer }
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const HOW_TO =
  'nats-server not found: install it (Debian/Ubuntu: `sudo apt-get install -y nats-server`; ' +
  'elsewhere: https://docs.nats.io/running-a-nats-service/introduction/installation) or set NATS_SERVER to its path';

/** The binary's path if one is there already, else undefined. */
function findNatsServer() {
  const fromEnv = process.env.NATS_SERVER;
  if (fromEnv) return isExecutable(fromEnv) ? fromEnv : undefined;
  const dirs = (process.env.PATH || '').split(path.delimiter).concat(['/usr/sbin', '/usr/local/bin', '/usr/bin']);
  for (const dir of dirs) {
    const candidate = path.join(dir, 'nats-server');
    if (dir && isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The binary's path, installing Debian's package when running as root; throws HOW_TO
 * otherwise. Test files run in parallel, so the install runs under a lock: one process
 * installs, the others wait for it and then find the binary.
 */
function ensureNatsServer() {
  const found = findNatsServer();
  if (found) return found;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root && !process.env.NATS_SERVER && isExecutable('/usr/bin/apt-get')) {
    withLock(path.join(os.tmpdir(), 'rx-lifecycle-nats-install.lock'), () => {
      if (findNatsServer()) return;
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      const apt = (args) =>
        execFileSync('/usr/bin/apt-get', ['-o', 'DPkg::Lock::Timeout=120', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env, timeout: 300_000 });
      try {
        apt(['install', '-y', '-q', 'nats-server']);
      } catch {
        try {
          apt(['update', '-q']);
          apt(['install', '-y', '-q', 'nats-server']);
        } catch {
          // fall through to the one-line message
        }
      }
    });
    const installed = findNatsServer();
    if (installed) return installed;
  }
  throw new Error(HOW_TO);
}

/** Runs `fn` holding a lock directory (a lock older than 10 minutes is taken as abandoned). */
function withLock(dir, fn) {
  const deadline = Date.now() + 600_000;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      try {
        if (Date.now() - fs.statSync(dir).mtimeMs > 600_000) fs.rmSync(dir, { recursive: true, force: true });
      } catch {
        // it went away meanwhile
      }
      if (Date.now() > deadline) throw new Error(`waited 10 minutes for ${dir}: remove it if no install is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    fn();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `nats-server` with JetStream on 127.0.0.1 and resolves once it accepts clients.
 * `options.port` (default: a free one) and `options.storeDir` (default: a fresh temporary
 * folder) let a caller start it again on the same port and store.
 * Resolves to `{ url, port, storeDir, stop(): Promise<void> }`; `stop` ends it with SIGTERM
 * (SIGKILL after 5 s), and `stop({ removeStore: true })` also deletes the store.
 */
async function startNatsServer(options = {}) {
  // A free port can be taken by someone else before the server binds it: try another one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options.port ?? (await freePort()), options);
    } catch (err) {
      if (options.port !== undefined || attempt >= 5 || !/address already in use/i.test(err.message)) throw err;
    }
  }
}

async function startOnce(port, options) {
  const bin = ensureNatsServer();
  const storeDir = options.storeDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rxl-nats-'));
  const args = ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir];
  const child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => {
    log = (log + chunk).slice(-4000);
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}: ${log.trim()}`);
    if (log.includes('Server is ready')) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`nats-server did not start within 15 s: ${log.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const stop = async ({ removeStore = false } = {}) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    if (removeStore) fs.rmSync(storeDir, { recursive: true, force: true });
  };
  return { url: `nats://127.0.0.1:${port}`, port, storeDir, pid: child.pid, stop };
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

module.exports = { HOW_TO, findNatsServer, ensureNatsServer, freePort, startNatsServer };

if (require.main === module) {
  try {
    console.log(ensureNatsServer());
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
