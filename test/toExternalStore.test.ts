import { BehaviorSubject, EMPTY, NEVER, Observable, Subject, config, throwError } from 'rxjs';
import { Service, ServiceMap, statusOf, toExternalStore } from 'rx-lifecycle';

/** A BehaviorSubject behind a counter of open subscriptions. */
function counted<T>(initial: T) {
  const subject = new BehaviorSubject(initial);
  const stats = { subscribes: 0, open: 0 };
  const source$ = new Observable<T>((subscriber) => {
    stats.subscribes += 1;
    stats.open += 1;
    const sub = subject.subscribe(subscriber);
    return () => {
      stats.open -= 1;
      sub.unsubscribe();
    };
  });
  return { subject, stats, source$ };
}

const nextMicrotask = () => new Promise<void>((resolve) => queueMicrotask(resolve));

describe('toExternalStore', () => {
  it('should work unbound, returning the current value and the same object until a change', () => {
    const first = { n: 1 };
    const { subject, source$ } = counted(first);
    const { subscribe, getSnapshot } = toExternalStore(source$);
    expect(getSnapshot()).toBe(first);
    const calls: unknown[] = [];
    const stop = subscribe(() => calls.push(getSnapshot()));
    expect(getSnapshot()).toBe(first);
    expect(getSnapshot()).toBe(getSnapshot());
    const second = { n: 2 };
    subject.next(second);
    expect(calls).toEqual([second]);
    expect(getSnapshot()).toBe(second);
    stop();
  });

  it('should hold one shared subscription while anyone listens, and none after', () => {
    const { subject, stats, source$ } = counted('a');
    const store = toExternalStore(source$);
    const seen: string[] = [];
    const stopA = store.subscribe(() => seen.push(`A:${store.getSnapshot()}`));
    const stopB = store.subscribe(() => seen.push(`B:${store.getSnapshot()}`));
    expect(stats).toEqual({ subscribes: 1, open: 1 });
    subject.next('b');
    expect(seen).toEqual(['A:b', 'B:b']);
    stopA();
    expect(stats.open).toBe(1);
    subject.next('c');
    expect(seen).toEqual(['A:b', 'B:b', 'B:c']);
    stopB();
    expect(stats).toEqual({ subscribes: 1, open: 0 });
  });

  it('should not call listeners when the source delivers the same object again', () => {
    const value = { n: 1 };
    const { subject, source$ } = counted(value);
    const store = toExternalStore(source$);
    let calls = 0;
    const stop = store.subscribe(() => (calls += 1));
    subject.next(value);
    expect(calls).toBe(0);
    subject.next({ n: 1 });
    expect(calls).toBe(1);
    stop();
  });

  it('should make the returned unsubscribe idempotent', () => {
    const { stats, source$ } = counted(0);
    const store = toExternalStore(source$);
    const stopA = store.subscribe(() => {});
    const stopB = store.subscribe(() => {});
    stopA();
    stopA();
    expect(stats.open).toBe(1);
    stopB();
    expect(stats.open).toBe(0);
  });

  it('should let a listener unsubscribe itself or another one during a notification', () => {
    const { subject, source$ } = counted(0);
    const store = toExternalStore(source$);
    const seen: string[] = [];
    let stopB = () => {};
    const stopA = store.subscribe(() => {
      seen.push('A');
      stopA();
      stopB();
    });
    stopB = store.subscribe(() => seen.push('B'));
    const stopC = store.subscribe(() => seen.push('C'));
    subject.next(1);
    subject.next(2);
    expect(seen).toEqual(['A', 'C', 'C']);
    stopC();
  });

  describe('without listeners', () => {
    it('should read the source for getSnapshot without leaving a subscription open', () => {
      const { stats, source$ } = counted('x');
      const store = toExternalStore(source$);
      expect(store.getSnapshot()).toBe('x');
      expect(stats).toEqual({ subscribes: 1, open: 0 });
    });

    it('should return one object for every read in one turn, and read again in a later one', async () => {
      let made = 0;
      const fresh$ = new Observable<{ made: number }>((subscriber) => subscriber.next({ made: ++made }));
      const store = toExternalStore(fresh$);
      const a = store.getSnapshot();
      expect(store.getSnapshot()).toBe(a);
      await nextMicrotask();
      const b = store.getSnapshot();
      expect(b).toEqual({ made: 2 });
      expect(store.getSnapshot()).toBe(b);
    });

    it('should see a change made while nobody listened, after the turn ends', async () => {
      const { subject, source$ } = counted('old');
      const store = toExternalStore(source$);
      store.subscribe(() => {})();
      subject.next('new');
      await nextMicrotask();
      expect(store.getSnapshot()).toBe('new');
    });
  });

  it.each([null, undefined, 42, {}])('should throw a TypeError naming source$ for %p', (bad) => {
    expect(() => toExternalStore(bad as unknown as Observable<unknown>)).toThrow(/^toExternalStore: source\$ must be an Observable, got /);
  });

  describe('a source with no value at once', () => {
    it.each([
      ['EMPTY', EMPTY],
      ['NEVER', NEVER],
      ['a Subject', new Subject<number>()],
      ['stateChanges()', new Service(() => {}).stateChanges()],
      ['listen()', new ServiceMap(() => new Service(() => {})).listen()],
    ])('should throw a TypeError from getSnapshot and from subscribe for %s', (_name, source$: Observable<unknown>) => {
      expect(() => toExternalStore(source$).getSnapshot()).toThrow(TypeError);
      expect(() => toExternalStore(source$).subscribe(() => {})).toThrow(
        /toExternalStore: source\$ must deliver a value synchronously on subscribe/,
      );
    });

    it('should not keep the failed subscription open', () => {
      let open = 0;
      const silent$ = new Observable<never>(() => {
        open += 1;
        return () => (open -= 1);
      });
      expect(() => toExternalStore(silent$).subscribe(() => {})).toThrow(TypeError);
      expect(() => toExternalStore(silent$).getSnapshot()).toThrow(TypeError);
      expect(open).toBe(0);
    });
  });

  describe('a source that errors', () => {
    it('should tell the listeners, then throw its error from getSnapshot', () => {
      const boom = new Error('boom');
      const subject = new BehaviorSubject(1);
      const store = toExternalStore(subject.asObservable());
      let calls = 0;
      const stop = store.subscribe(() => (calls += 1));
      subject.error(boom);
      expect(calls).toBe(1);
      expect(() => store.getSnapshot()).toThrow(boom);
      stop();
    });

    it('should throw from the first read of a source that errors at once', () => {
      const boom = new Error('boom');
      expect(() => toExternalStore(throwError(() => boom)).getSnapshot()).toThrow(boom);
      expect(() => toExternalStore(throwError(() => boom)).subscribe(() => {})).not.toThrow();
    });

    it('should recover on the next subscription once every listener has left', () => {
      let fail = true;
      const source$ = new Observable<string>((subscriber) => {
        if (fail) subscriber.error(new Error('down'));
        else subscriber.next('up');
      });
      const store = toExternalStore(source$);
      const stop = store.subscribe(() => {});
      expect(() => store.getSnapshot()).toThrow('down');
      stop();
      fail = false;
      const stop2 = store.subscribe(() => {});
      expect(store.getSnapshot()).toBe('up');
      stop2();
    });
  });

  it('should report a throwing listener the RxJS way and still call the others', () => {
    const reported: unknown[] = [];
    const before = config.onUnhandledError;
    config.onUnhandledError = (err) => reported.push(err);
    jest.useFakeTimers();
    try {
      const { subject, source$ } = counted(0);
      const store = toExternalStore(source$);
      const oops = new Error('listener failed');
      let others = 0;
      const stopA = store.subscribe(() => {
        throw oops;
      });
      const stopB = store.subscribe(() => (others += 1));
      subject.next(1);
      expect(others).toBe(1);
      jest.runAllTimers();
      expect(reported).toEqual([oops]);
      stopA();
      stopB();
    } finally {
      jest.useRealTimers();
      config.onUnhandledError = before;
    }
  });

  describe('over a ServiceMap', () => {
    it('should follow states$, summary$ and stateOf$', () => {
      const map = new ServiceMap(() => new Service(() => {}));
      const states = toExternalStore(map.states$);
      const summary = toExternalStore(map.summary$);
      const a = toExternalStore(map.stateOf$('a'));
      const log: string[] = [];
      const stops = [
        states.subscribe(() => log.push(`states ${[...states.getSnapshot().keys()].sort().join(',')}`)),
        summary.subscribe(() => log.push(`summary ${summary.getSnapshot().active}/${summary.getSnapshot().total}`)),
        a.subscribe(() => log.push(`a ${a.getSnapshot() === undefined ? 'absent' : statusOf(a.getSnapshot()!)}`)),
      ];
      expect(a.getSnapshot()).toBeUndefined();
      map.create('a', 'worker', { active: true });
      map.create('b', 'worker');
      map.get('b')!.service.start();
      expect(a.getSnapshot()).toBe(map.get('a')!.service.state);
      expect(states.getSnapshot().get('b')?.state.active).toBe(true);
      expect(log).toEqual(['states a', 'summary 1/1', 'a running', 'states a,b', 'summary 1/2', 'states a,b', 'summary 2/2']);
      stops.forEach((stop) => stop());
    });
  });
});
