/** Service: the whileLoading option, 'reject' (the default) and 'switch'. */
import { AlreadyLoadingError } from 'rx-lifecycle';
import { advance, checkRecordedStates, deferred, recorder, setup, tick } from '../helpers/service';

afterEach(checkRecordedStates);

describe('Service', () => {
  describe('whileLoading', () => {
    describe("'reject' (default)", () => {
      it('should throw AlreadyLoadingError', () => {
        const { service } = setup(() => new Promise<void>(() => {}), { whileLoading: 'reject' });
        service.start();
        service.configure('{}');
        expect(() => service.configure('{"a":1}')).toThrow(AlreadyLoadingError);
      });
    });

    describe("'switch'", () => {
      it('should abandon a retry wait and load the new config at once', () => {
        const err = new Error('bad config');
        const { apply, calls } = recorder((n) => {
          if (n === 1) throw err;
        });
        const { scheduler, service, states } = setup(apply, { whileLoading: 'switch', retry: true });
        service.start();
        service.configure('{"bad":true}');
        expect(service.state).toMatchObject({ loading: true, failedAttempts: 1, nextAttemptTime: 500 });
        advance(scheduler, 100);
        const count = states.length;
        const s = service.configure('{"good":true}');
        expect(calls.map((c) => c.config)).toEqual([{ bad: true }, { good: true }]);
        expect(states[count]).toMatchObject({
          active: true,
          loading: true,
          config: '{"good":true}',
          lastConfigTime: 100,
          lastLoadingStartTime: 100,
          failedAttempts: 0,
          nextAttemptTime: undefined,
        });
        expect(s).toMatchObject({ active: true, loading: false, config: '{"good":true}', lastLoadingEndTime: 100, failedAttempts: 0 });
        expect(scheduler.actions).toHaveLength(0);
        advance(scheduler, 10_000);
        expect(calls).toHaveLength(2);
      });

      it('should abort a running first attempt and load the new config at once', async () => {
        const ds = [deferred(), deferred()];
        const abortedWhenNextApplied: boolean[] = [];
        const { apply, calls } = recorder((n) => {
          if (n > 1) abortedWhenNextApplied.push(calls[n - 2]!.signal.aborted);
          return ds[n - 1]!.promise;
        });
        const { scheduler, service } = setup(apply, { whileLoading: 'switch' });
        service.start();
        service.configure('{"a":1}');
        advance(scheduler, 20);
        const s = service.configure('{"a":2}');
        expect(s).toMatchObject({ loading: true, config: '{"a":2}', lastLoadingStartTime: 20 });
        expect(calls).toHaveLength(2);
        expect(calls[0]!.signal.aborted).toBe(true);
        expect(abortedWhenNextApplied).toEqual([true]);
        ds[0]!.resolve();
        await tick();
        expect(service.state).toBe(s);
        ds[1]!.resolve();
        await tick();
        expect(service.state).toMatchObject({ loading: false, config: '{"a":2}' });
      });

      it('should abort a running retry attempt and cancel its retries', async () => {
        const ds = [deferred(), deferred(), deferred()];
        const { apply, calls } = recorder((n) => ds[n - 1]!.promise);
        const { scheduler, service } = setup(apply, { whileLoading: 'switch', retry: true });
        service.start();
        service.configure('{"a":1}');
        ds[0]!.reject(new Error('x'));
        await tick();
        advance(scheduler, 500);
        expect(calls).toHaveLength(2);
        service.configure('{"a":2}');
        expect(calls[1]!.signal.aborted).toBe(true);
        expect(calls[2]!.config).toEqual({ a: 2 });
        ds[1]!.reject(new Error('late'));
        await tick();
        expect(service.state).toMatchObject({ loading: true, failedAttempts: 0, nextAttemptTime: undefined, config: '{"a":2}' });
        advance(scheduler, 10_000);
        expect(calls).toHaveLength(3);
      });

      it('should be a plain configure while stopped', () => {
        const { apply, calls } = recorder();
        const { service, states } = setup(apply, { whileLoading: 'switch' });
        const s = service.configure('{"a":1}');
        expect(s).toMatchObject({ active: false, loading: false, config: '{"a":1}' });
        expect(calls).toHaveLength(0);
        expect(states).toHaveLength(2);
      });

      it('should still reject a parse error, changing nothing', () => {
        const { service } = setup(() => new Promise<void>(() => {}), { whileLoading: 'switch' });
        service.start();
        service.configure('{}');
        const before = service.state;
        expect(() => service.configure('{oops')).toThrow(SyntaxError);
        expect(service.state).toBe(before);
      });
    });
  });
});
