/**
 * The ```tsx `@example` blocks of src/react (React components, which test/readme.test.ts does
 * not run) are type-checked against the sources, then loaded, and each component they export
 * is rendered with react-dom/server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '..', '..');
const dir = path.join(root, 'src', 'react');

interface Example {
  readonly where: string;
  readonly fileName: string;
  readonly code: string;
}

function examples(): Example[] {
  const out: Example[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const text = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const m of text.matchAll(/^ \* ```tsx\n([\s\S]*?)^ \* ```$/gm)) {
      const line = text.slice(0, m.index).split('\n').length;
      const code = m[1]!.replace(/^ \* ?/gm, '');
      out.push({ where: `src/react/${file}:${line}`, fileName: path.join(root, `__react_example_${file}_${line}.tsx`), code });
    }
  }
  return out;
}

const all = examples();

describe('the tsx examples of src/react', () => {
  it('should find one per hook', () => {
    expect(all.map((e) => e.where.split(':')[0]).sort()).toEqual([
      'src/react/useConnection.ts',
      'src/react/useServiceState.ts',
      'src/react/useServiceStates.ts',
      'src/react/useServiceSummary.ts',
    ]);
  });

  it('should type-check', () => {
    const parsed = ts.parseJsonConfigFileContent(ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile).config, ts.sys, root);
    const options = { ...parsed.options, noEmit: true, noUnusedLocals: false };
    const virtual = new Map(all.map((e) => [e.fileName, e.code]));
    const host = ts.createCompilerHost(options);
    const { getSourceFile, fileExists, readFile } = host;
    host.getSourceFile = (name, version, ...rest) => {
      const code = virtual.get(path.resolve(name));
      return code !== undefined ? ts.createSourceFile(name, code, version, true) : getSourceFile.call(host, name, version, ...rest);
    };
    host.fileExists = (name) => virtual.has(path.resolve(name)) || fileExists.call(host, name);
    host.readFile = (name) => virtual.get(path.resolve(name)) ?? readFile.call(host, name);
    const program = ts.createProgram([...virtual.keys()], options, host);
    const errors = all.flatMap((e) =>
      ts.getPreEmitDiagnostics(program, program.getSourceFile(e.fileName)).map((d) => `${e.where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`),
    );
    expect(errors).toEqual([]);
  }, 60_000);

  it.each(all.map((e) => [e.where, e] as const))('%s should render', (_where, example) => {
    const js = ts.transpileModule(example.code, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, jsx: ts.JsxEmit.ReactJSX, esModuleInterop: true },
    }).outputText;
    const module = { exports: {} as Record<string, unknown> };
    new Function('exports', 'require', 'module', js)(module.exports, require, module);
    const components = Object.values(module.exports).filter((v): v is FunctionComponent<{ id: string }> => typeof v === 'function');
    expect(components.length).toBeGreaterThan(0);
    for (const component of components) expect(renderToStaticMarkup(createElement(component, { id: 'a' }))).toMatch(/^<\w+/);
  });
});
