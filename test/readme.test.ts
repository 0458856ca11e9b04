/**
 * Every ```ts snippet of README.md and docs/*.md, and every ```ts block of an `@example` in
 * src/**, is type-checked against the library's sources and, when it can run on its own, run.
 *
 * Conventions (also written down in docs/testing.md, "Snippets in these docs"):
 * - A snippet is one module. `'rx-lifecycle'` resolves to src/index.ts.
 * - Names a snippet uses without defining them (`map`, `render`, `connect`, `poll`,
 *   `sendToMetrics`, `testScheduler`) are declared once, in PRELUDE below. A snippet that uses
 *   any of them is only type-checked: there is no value behind them to run it with.
 * - ```` ```ts no-run ```` marks a snippet that is only type-checked because it needs the
 *   network, a real server or timers that outlive it.
 * - Every other snippet runs (in this process, with the library under test, jest's `expect`
 *   and a small `describe`/`it`), and what it prints with `console.log` must match its output
 *   comments, in order:
 *   - a `// text` comment on its own line at column 0 that directly follows code or another
 *     output comment (a comment after a blank line is prose);
 *   - an indented `// text` comment that directly follows a `console.log(` line or another
 *     output comment (other indented comments are prose);
 *   - a trailing `// text` comment on a line that calls `console.log(`.
 *   Whitespace runs compare as one space (so a multi-line `console.log` of an object matches a
 *   one-line comment) and `...` in a comment stands for anything.
 * - A running snippet must leave no timer of its own behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '..');

/** Ambient declarations of the outside names snippets may use; see the header. */
const PRELUDE = `
/** A ServiceMap the surrounding app made. */
declare const map: import('rx-lifecycle').ServiceMap;
/** A UI's render function. */
declare function render(records: readonly import('rx-lifecycle').StateRecord[]): void;
/** Some polling work of an app. */
declare function poll(): Promise<unknown>;
/** An apply function of an app that connects somewhere. */
declare function connect(config: unknown, signal: AbortSignal): Promise<void>;
/** A metrics sink of an app. */
declare function sendToMetrics(event: import('rx-lifecycle').LifecycleEvent): void;
/** A TestScheduler made in a beforeEach of the surrounding test file. */
declare const testScheduler: import('rxjs/testing').TestScheduler;
`;
const preludeFile = path.join(root, '__snippet_prelude__.d.ts');

interface Snippet {
  /** Where it is, as `file:line` (the line of the opening fence). */
  readonly where: string;
  /** The virtual file it is checked as. */
  readonly fileName: string;
  readonly code: string;
  readonly noRun: boolean;
}

const FENCE_OPEN = /^\s*```(?:ts|typescript)(?:\s+(.*))?\s*$/;
const FENCE_CLOSE = /^\s*```\s*$/;

function snippet(rel: string, line: number, lines: string[], info: string | undefined): Snippet {
  const flags = (info ?? '').split(/\s+/).filter(Boolean);
  for (const flag of flags) {
    if (flag !== 'no-run') throw new Error(`${rel}:${line}: unknown snippet flag ${JSON.stringify(flag)}`);
  }
  return {
    where: `${rel}:${line}`,
    fileName: path.join(root, `__snippet__${rel.replace(/[\\/.]/g, '_')}_${line}.ts`),
    // `export {}` keeps a snippet without imports a module, so snippets never share names.
    code: `${lines.join('\n')}\nexport {};\n`,
    noRun: flags.includes('no-run'),
  };
}

/** The fenced ts blocks of a list of lines; `lineOf(i)` maps an index to a 1-based file line. */
function fences(rel: string, lines: string[], lineOf: (i: number) => number): Snippet[] {
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !FENCE_CLOSE.test(lines[i]!); i++) body.push(lines[i]!);
    if (i >= lines.length) throw new Error(`${rel}:${lineOf(start)}: unclosed code fence`);
    out.push(snippet(rel, lineOf(start), body, open[1]));
  }
  return out;
}

function markdownSnippets(rel: string): Snippet[] {
  const lines = fs.readFileSync(path.join(root, rel), 'utf8').split('\n');
  return fences(rel, lines, (i) => i + 1);
}

/** The ts fences inside the `@example` sections of the doc comments of a source file. */
function exampleSnippets(rel: string): Snippet[] {
  const text = fs.readFileSync(path.join(root, rel), 'utf8');
  const out: Snippet[] = [];
  for (const comment of text.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const firstLine = text.slice(0, comment.index).split('\n').length;
    const lines = comment[0].split('\n').map((l) => l.replace(/^\s*\/?\*\*?\/? ?/, '').replace(/\s*\*\/$/, ''));
    let inExample = false;
    let inFence = false;
    const section: { line: string; index: number }[] = [];
    const flush = () => {
      if (section.length === 0) return;
      const lineOf = (i: number) => firstLine + section[i]!.index;
      out.push(...fences(rel, section.map((s) => s.line), lineOf));
      section.length = 0;
    };
    lines.forEach((line, index) => {
      if (FENCE_OPEN.test(line) || (inFence && FENCE_CLOSE.test(line))) inFence = !inFence;
      else if (!inFence && /^@\w+/.test(line)) {
        flush();
        inExample = line.startsWith('@example');
      }
      if (inExample) section.push({ line, index });
    });
    flush();
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(path.join(root, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(`${dir}/${e.name}`) : e.name.endsWith('.ts') ? [`${dir}/${e.name}`] : []));
}

const docs = fs
  .readdirSync(path.join(root, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .sort()
  .map((f) => `docs/${f}`);
const groups: [string, Snippet[]][] = [
  ['README.md', markdownSnippets('README.md')],
  ...docs.map((f): [string, Snippet[]] => [f, markdownSnippets(f)]),
  ...sourceFiles('src').map((f): [string, Snippet[]] => [f, exampleSnippets(f)]),
];
const all = groups.flatMap(([, s]) => s);

/** One program for every snippet: type errors per snippet, and the outside names it uses. */
function checkAll(): Map<string, { errors: string[]; outside: string[] }> {
  const configFile = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(configFile.config, ts.sys, root);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    // A snippet may show a value it does not go on to use.
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
  const virtual = new Map<string, string>([[preludeFile, PRELUDE], ...all.map((s): [string, string] => [s.fileName, s.code])]);
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const code = virtual.get(path.resolve(fileName));
    return code !== undefined
      ? ts.createSourceFile(fileName, code, languageVersion, true)
      : getSourceFile.call(host, fileName, languageVersion, onError, shouldCreate);
  };
  host.fileExists = (fileName) => virtual.has(path.resolve(fileName)) || fileExists.call(host, fileName);
  host.readFile = (fileName) => virtual.get(path.resolve(fileName)) ?? readFile.call(host, fileName);

  const program = ts.createProgram([...virtual.keys()], options, host);
  const checker = program.getTypeChecker();
  const result = new Map<string, { errors: string[]; outside: string[] }>();
  for (const s of all) {
    const sf = program.getSourceFile(s.fileName)!;
    const errors = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)].map((d) => {
      const { line } = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0 };
      return `line ${line + 1} of the snippet: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    const outside = new Set<string>();
    const visit = (node: ts.Node): void => {
      if (ts.isIdentifier(node)) {
        const decls = checker.getSymbolAtLocation(node)?.declarations ?? [];
        if (decls.length > 0 && decls.every((d) => path.resolve(d.getSourceFile().fileName) === preludeFile)) {
          outside.add(node.text);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
    result.set(s.fileName, { errors, outside: [...outside] });
  }
  return result;
}

/** The output a snippet promises, from its output comments (see the header). */
function expectedOutput(code: string): string[] {
  const out: string[] = [];
  let previous: 'blank' | 'code' | 'log' | 'output' | 'prose' = 'blank';
  for (const line of code.split('\n')) {
    const own = /^(\s*)\/\/ ?(.*)$/.exec(line);
    if (own) {
      const indented = own[1] !== '';
      if (previous === 'log' || previous === 'output' || (previous === 'code' && !indented)) {
        out.push(own[2]!);
        previous = 'output';
      } else previous = 'prose';
    } else if (line.trim() === '') {
      previous = 'blank';
    } else {
      const log = line.includes('console.log(');
      const trailing = log ? /\);?\s*\/\/ ?(.*)$/.exec(line) : null;
      if (trailing) out.push(trailing[1]!);
      previous = log && !trailing ? 'log' : 'code';
    }
  }
  return out;
}

function matches(actual: string[], expected: string[]): boolean {
  const norm = (lines: string[]) => lines.join('\n').replace(/\s+/g, ' ').trim();
  const pattern = norm(expected)
    .split('...')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
  return new RegExp(`^${pattern}$`).test(norm(actual));
}

/** Loads a module for a snippet: the library under test, rxjs and Node built-ins. */
const load = (name: string): unknown => require(name);

/** Runs a snippet; returns what it printed. Its own timers are tracked and must all be done. */
async function run(s: Snippet): Promise<string[]> {
  const printed: string[] = [];
  const print = (...args: unknown[]) => void printed.push(util.format(...args));
  const sandboxConsole = { ...console, log: print, info: print };

  const live = new Set<NodeJS.Timeout>();
  const sandboxSetTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = setTimeout(() => {
      live.delete(handle);
      fn(...args);
    }, ms);
    live.add(handle);
    return handle;
  };
  const sandboxSetInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const handle = setInterval(fn, ms, ...args);
    live.add(handle);
    return handle;
  };
  const sandboxClear = (handle: NodeJS.Timeout | undefined) => {
    if (handle === undefined) return;
    live.delete(handle);
    clearTimeout(handle);
  };

  // A tiny describe/it: tests are collected while the snippet runs, then run in order.
  const tests: { name: string; fn: () => unknown }[] = [];
  const hooks: (() => unknown)[] = [];
  const sandboxDescribe = (_name: string, fn: () => void) => fn();
  const sandboxIt = (name: string, fn: () => unknown) => void tests.push({ name, fn });
  const sandboxBeforeEach = (fn: () => unknown) => void hooks.push(fn);

  const js = ts.transpileModule(s.code, {
    fileName: s.fileName,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  }).outputText;
  const names = ['exports', 'require', 'module', 'console', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'];
  const testNames = ['describe', 'it', 'test', 'beforeEach', 'expect'];
  const body = new Function(...names, ...testNames, `return (async () => {\n${js}\n})();`) as (...a: unknown[]) => Promise<void>;
  const exports = {};
  try {
    await body(
      exports,
      load,
      { exports },
      sandboxConsole,
      sandboxSetTimeout,
      sandboxSetInterval,
      sandboxClear,
      sandboxClear,
      sandboxDescribe,
      sandboxIt,
      sandboxIt,
      sandboxBeforeEach,
      expect,
    );
    for (const t of tests) {
      for (const hook of hooks) await hook();
      try {
        await t.fn();
      } catch (err) {
        throw new Error(`it('${t.name}') failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    // Let promise chains and zero-delay timers of the snippet finish printing.
    await new Promise((resolve) => setTimeout(resolve, 30));
  } finally {
    const left = live.size;
    for (const handle of live) clearTimeout(handle);
    if (left > 0) throw new Error(`the snippet left ${left} timer(s) running: clean up, or mark it \`ts no-run\``);
  }
  return printed;
}

describe('documentation snippets', () => {
  let checked: Map<string, { errors: string[]; outside: string[] }>;
  beforeAll(() => {
    checked = checkAll();
  }, 120_000);

  it('should find the snippets of the README, the docs pages and the @examples', () => {
    const count = (prefix: string) => all.filter((s) => s.where.startsWith(prefix)).length;
    expect(count('README.md')).toBeGreaterThanOrEqual(2);
    expect(count('docs/')).toBeGreaterThanOrEqual(10);
    expect(count('src/')).toBeGreaterThanOrEqual(15);
  });

  describe.each(groups.filter(([, s]) => s.length > 0))('%s', (_file, snippets) => {
    it.each(snippets.map((s) => [s.where, s] as const))('%s should type-check and print what it says', async (_where, s) => {
      const { errors, outside } = checked.get(s.fileName)!;
      if (errors.length > 0) throw new Error(`${s.where}: the snippet does not compile:\n${errors.join('\n')}\n\n${s.code}`);
      if (s.noRun || outside.length > 0) return; // type-checked only, see the header
      let printed: string[];
      try {
        printed = await run(s);
      } catch (err) {
        throw new Error(`${s.where}: the snippet threw: ${err instanceof Error ? err.stack : String(err)}`, { cause: err });
      }
      const expected = expectedOutput(s.code);
      if (!matches(printed, expected)) {
        expect({ where: s.where, printed }).toEqual({ where: s.where, printed: expected });
      }
    });
  });
});
