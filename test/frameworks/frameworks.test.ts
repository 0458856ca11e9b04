/**
 * Svelte, Solid, Vue and Angular consume `state$`, `states$`, `summary$` and `stateOf$` with
 * no adapter. Their packages are ES modules only (and Solid and Svelte react only in their
 * browser builds), so each check is an ES module script run in a child process with
 * `node --conditions=browser --import tsx`, and this test compares what it prints.
 *
 * The scripts in examples/ are the examples of docs/ui.md, included there verbatim; what
 * each prints must match its output comments (the convention of the README's snippets).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const here = path.relative(root, __dirname);

function runScript(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=browser', '--import', 'tsx', path.join(here, file)],
      { cwd: root, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * The output a script promises: a `// text` comment at column 0 right after code or another
 * output comment, an indented one right after a `console.log(` line, and a trailing comment
 * on a `console.log(` line.
 */
function expectedOutput(code: string): string[] {
  const out: string[] = [];
  let previous: 'blank' | 'code' | 'log' | 'output' | 'prose' = 'blank';
  for (const line of code.split('\n')) {
    const own = /^(\s*)\/\/ ?(.*)$/.exec(line);
    if (own) {
      if (previous === 'log' || previous === 'output' || (previous === 'code' && own[1] === '')) {
        out.push(own[2]!);
        previous = 'output';
      } else previous = 'prose';
    } else if (line.trim() === '') previous = 'blank';
    else {
      const log = line.includes('console.log(');
      const trailing = log ? /\);?\s*\/\/ ?(.*)$/.exec(line) : null;
      if (trailing) out.push(trailing[1]!);
      previous = log && !trailing ? 'log' : 'code';
    }
  }
  return out;
}

const lines = (text: string) => text.split('\n').filter((l) => l.trim() !== '').map((l) => l.trimEnd());

describe.each([
  ['Solid (from)', 'solid.mts'],
  ['Vue (@vueuse/rxjs useObservable)', 'vue.mts'],
  ['Angular (toSignal with requireSync)', 'angular.mts'],
])('%s', (_name, file) => {
  it('should read state$, states$, summary$ and stateOf$ with no adapter, and follow their changes', async () => {
    const source = fs.readFileSync(path.join(__dirname, 'examples', file), 'utf8');
    for (const stream of ['.state$', '.states$', '.summary$', '.stateOf$(']) expect(source).toContain(stream);
    const expected = expectedOutput(source);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    const { code, stdout, stderr } = await runScript(`examples/${file}`);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(lines(stdout)).toEqual(expected);
  }, 60_000);
});

describe('Svelte ($store in a component)', () => {
  it('should mount examples/Services.svelte and follow the changes of the map and the service', async () => {
    const component = fs.readFileSync(path.join(__dirname, 'examples', 'Services.svelte'), 'utf8');
    for (const stream of ['.state$', '.states$', '.summary$', '.stateOf$(']) expect(component).toContain(stream);
    const { code, stdout, stderr } = await runScript('svelte.mts');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(lines(stdout)).toEqual([
      'mounted: 0/1 active; web stopped; service stopped web (http): stopped',
      'started: 1/1 active; web running; service running web (http): running',
      'changed: 0/1 active; web gone; service running db (sql): stopped',
    ]);
  }, 60_000);
});

describe('docs/ui.md', () => {
  const doc = fs.readFileSync(path.join(root, 'docs', 'ui.md'), 'utf8');
  const blocks = [...doc.matchAll(/^```[a-z]*(?: [a-z-]+)?\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);

  it.each(['react.tsx', 'Services.svelte', 'solid.mts', 'vue.mts', 'angular.mts'])('should include examples/%s verbatim', (file) => {
    const example = fs.readFileSync(path.join(__dirname, 'examples', file), 'utf8');
    expect(blocks).toContainEqual(example);
  });

  it('should say which streams deliver a value at once and which do not', () => {
    const row = (stream: string) => doc.split('\n').find((l) => l.startsWith(`| \`${stream}`)) ?? `no row for ${stream}`;
    for (const stream of ['service.state$', 'map.states$', 'map.summary$', 'map.stateOf$(id)']) expect(row(stream)).toMatch(/\| yes \|$/);
    for (const stream of ['service.stateChanges()', 'map.listen()']) expect(row(stream)).toMatch(/\| no: changes only \|$/);
  });
});
