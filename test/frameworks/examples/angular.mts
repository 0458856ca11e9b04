import { Injector, createEnvironmentInjector, runInInjectionContext, type EnvironmentInjector } from '@angular/core';
import { toSignal } from '@angular/core/rxjs-interop';
import { Service, ServiceMap, statusOf } from 'rx-lifecycle';

const map = new ServiceMap(() => new Service(() => {}));
map.create('web', 'http');
const service = new Service(() => {});

// In an app, a component's field initializers are an injection context; here an injector stands in.
const injector = createEnvironmentInjector([], Injector.create({ providers: [] }) as EnvironmentInjector);
const view = runInInjectionContext(injector, () => {
  // requireSync: these streams deliver a value at once, so the signals never read undefined
  const summary = toSignal(map.summary$, { requireSync: true });
  const states = toSignal(map.states$, { requireSync: true });
  const web = toSignal(map.stateOf$('web'), { requireSync: true });
  const state = toSignal(service.state$, { requireSync: true });
  return () => `${summary().active}/${summary().total} active, ids ${[...states().keys()].sort()}, web ${web() && statusOf(web()!)}, service ${statusOf(state())}`;
});
console.log(view()); // 0/1 active, ids web, web stopped, service stopped
map.get('web')!.service.start();
service.configure('{}');
service.start();
map.create('db', 'sql');
console.log(view()); // 1/2 active, ids db,web, web running, service running
injector.destroy(); // unsubscribes, as destroying the component does
