/**
 * A real `nats-server` with JetStream for the fleet tests: on 127.0.0.1, a free port and a
 * temporary store, found on the PATH or installed (see scripts/nats-server.cjs), or a failure
 * with one line saying what to run.
 */
import * as path from 'node:path';

export interface RunningNats {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  stop(options?: { removeStore?: boolean }): Promise<void>;
}

interface Provisioner {
  HOW_TO: string;
  startNatsServer(options?: { port?: number; storeDir?: string }): Promise<RunningNats>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const provisioner = require(path.join(__dirname, '..', '..', 'scripts', 'nats-server.cjs')) as Provisioner;

/** Starts a server (again on `options.port` and `options.storeDir` when given). */
export async function startNats(options: { port?: number; storeDir?: string } = {}): Promise<RunningNats> {
  try {
    return await provisioner.startNatsServer(options);
  } catch (err) {
    const message = (err as Error).message;
    throw new Error(message === provisioner.HOW_TO ? message : `could not start nats-server: ${message}`);
  }
}

/** Polls `check` until it returns a value other than `undefined`/`false`, for at most `ms`. */
export async function until<T>(what: string, check: () => T | undefined | false, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
