import { useObservable } from '@vueuse/rxjs';
import { effectScope, watch } from 'vue';
import { Service, ServiceMap, statusOf } from 'rx-lifecycle';

const map = new ServiceMap(() => new Service(() => {}));
map.create('web', 'http');
const service = new Service(() => {});

// A component's setup() runs in an effect scope; here one stands in.
const scope = effectScope();
scope.run(() => {
  const summary = useObservable(map.summary$);
  const states = useObservable(map.states$);
  const web = useObservable(map.stateOf$('web'));
  const state = useObservable(service.state$);
  // each ref holds a value at once: these streams deliver one on subscription
  console.log(summary.value?.total, [...states.value!.keys()], statusOf(web.value!), statusOf(state.value!)); // 1 [ 'web' ] stopped stopped
  watch(summary, (s) => console.log(`${s!.active}/${s!.total} active`), { flush: 'sync' });
  watch(web, (s) => console.log(`web ${s ? statusOf(s) : 'gone'}`), { flush: 'sync' });
});
map.get('web')!.service.start();
// 1/1 active
// web running
map.delete('web');
// 0/1 active
// web stopped
// 0/0 active
// web gone
scope.stop(); // unsubscribes, as unmounting the component does
