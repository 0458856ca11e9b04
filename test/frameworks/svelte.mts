/**
 * Mounts examples/Services.svelte (the Svelte example of docs/ui.md) in a jsdom document with
 * Svelte's client runtime, and prints its text after each change of the map. Run with
 * `node --conditions=browser --import tsx`, as test/frameworks/frameworks.test.ts does.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JSDOM } from 'jsdom';
import { Service, ServiceMap } from 'rx-lifecycle';

const dom = new JSDOM('<!doctype html><div id="app"></div>');
Object.assign(globalThis, { window: dom.window, document: dom.window.document });
for (const name of ['Node', 'Element', 'HTMLElement', 'Text', 'Comment', 'DocumentFragment', 'Event', 'navigator', 'getComputedStyle']) {
  (globalThis as Record<string, unknown>)[name] ??= (dom.window as unknown as Record<string, unknown>)[name];
}

const { compile } = await import('svelte/compiler');
const { flushSync, mount, unmount } = await import('svelte');

// Compile the component; its bare imports become file URLs so that it loads from a temp dir.
const file = new URL('./examples/Services.svelte', import.meta.url);
const { js } = compile(readFileSync(file, 'utf8'), { filename: 'Services.svelte', generate: 'client', dev: false });
const code = js.code.replace(/(from |import )'([^'.][^']*)'/g, (_m, kw: string, spec: string) => `${kw}'${import.meta.resolve(spec).replace(/(\?|%3F).*$/, '')}'`);
const dir = mkdtempSync(join(tmpdir(), 'rx-lifecycle-svelte-'));
const compiled = join(dir, 'Services.mjs');
writeFileSync(compiled, code);
const { default: Services } = (await import(pathToFileURL(compiled).href)) as { default: Parameters<typeof mount>[0] };
rmSync(dir, { recursive: true, force: true });

const map = new ServiceMap(() => new Service(() => {}));
map.create('web', 'http');
const service = new Service(() => {});
const target = document.getElementById('app')!;
const show = (what: string) => {
  flushSync();
  console.log(`${what}: ${target.textContent!.replace(/\s+/g, ' ').trim()}`);
};

const component = mount(Services, { target, props: { map, service } });
show('mounted');
map.get('web')!.service.start();
service.configure('{}');
service.start();
show('started');
map.create('db', 'sql');
map.delete('web');
show('changed');
unmount(component);

