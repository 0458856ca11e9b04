#!/usr/bin/env node
/**
 * Long property-test run: the model-based tests of test/properties with many random
 * sequences each (100,000 by default), in one process, one file after the other.
 *
 *   npm run fuzz                      # 100,000 sequences per property
 *   npm run fuzz -- --runs 5000       # or FC_NUM_RUNS=5000 npm run fuzz
 *   npm run fuzz -- --seed 42         # or FC_SEED=42: start from a given seed
 *   npm run fuzz -- serviceMap        # extra arguments go to jest (here: a path filter)
 *
 * A failure prints fast-check's counterexample and the command that replays it
 * (FC_SEED, FC_PATH and FC_REPLAY_PATH); the exit status is jest's.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const jestBin = require.resolve('jest/bin/jest');

const env = { ...process.env };
env.FC_NUM_RUNS = env.FC_NUM_RUNS || '100000';
const jestArgs = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const arg = argv[i];
  const [flag, inline] = arg.split('=', 2);
  const value = () => inline ?? argv[++i];
  if (flag === '--runs') env.FC_NUM_RUNS = value();
  else if (flag === '--seed') env.FC_SEED = value();
  else jestArgs.push(arg);
}
if (!/^[1-9]\d*$/.test(env.FC_NUM_RUNS)) {
  console.error(`fuzz: the number of runs must be a positive integer, got ${JSON.stringify(env.FC_NUM_RUNS)}`);
  process.exit(2);
}
const paths = jestArgs.some((a) => !a.startsWith('-')) ? [] : ['test/properties'];

console.log(`fuzz: ${env.FC_NUM_RUNS} runs per property${env.FC_SEED ? `, seed ${env.FC_SEED}` : ''}`);
const started = Date.now();
const child = spawn(process.execPath, [jestBin, ...paths, '--runInBand', '--verbose', ...jestArgs], {
  cwd: root,
  env,
  stdio: ['inherit', 'pipe', 'pipe'],
});

let output = '';
for (const [stream, sink] of [
  [child.stdout, process.stdout],
  [child.stderr, process.stderr],
]) {
  stream.on('data', (chunk) => {
    sink.write(chunk);
    output += chunk.toString();
  });
}

child.on('close', (code, signal) => {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const status = code ?? (signal ? 1 : 0);
  if (status === 0) {
    console.log(`\nfuzz: passed, ${env.FC_NUM_RUNS} runs per property, in ${seconds} s`);
  } else {
    const replays = [...new Set([...output.matchAll(/Replay with:\s*\n\s*(\S.*)/g)].map((m) => m[1].trim()))];
    console.error(`\nfuzz: FAILED after ${seconds} s (jest exit status ${status}).`);
    if (replays.length > 0) {
      console.error('Replay each failure (the minimal counterexample, on the same code) with:');
      for (const replay of replays) console.error(`  ${replay}`);
    }
  }
  process.exit(status);
});
