import { createRoot, createEffect, from } from 'solid-js';
import { Service, ServiceMap, statusOf } from 'rx-lifecycle';

const map = new ServiceMap(() => new Service(() => {}));
map.create('web', 'http');
const service = new Service(() => {});

const dispose = createRoot((dispose) => {
  const summary = from(map.summary$);
  const states = from(map.states$);
  const web = from(map.stateOf$('web'));
  const state = from(service.state$);
  // the accessors hold a value at once: these streams deliver one on subscription
  console.log(summary()?.total, states()?.size, statusOf(web()!), statusOf(state()!)); // 1 1 stopped stopped
  createEffect(() => console.log(`${summary()!.active}/${summary()!.total} active`));
  createEffect(() => console.log(`web ${web() ? statusOf(web()!) : 'gone'}`));
  return dispose;
});
// 0/1 active
// web stopped
map.get('web')!.service.start();
// 1/1 active
// web running
map.delete('web');
// 0/1 active
// web stopped
// 0/0 active
// web gone
dispose(); // unsubscribes, as unmounting the component does
