/** Service: the onStop option, called after each successful stop(). */
import { config as rxConfig } from 'rxjs';
import { AlreadyStoppedError, Service, type State } from 'rx-lifecycle';
import { checkRecordedStates, recorder, setup, tick } from '../helpers/service';

afterEach(checkRecordedStates);

describe('Service', () => {
  describe('onStop', () => {
    it('should be called once after each successful stop', () => {
      const onStop = jest.fn();
      const { service } = setup(() => {}, { onStop });
      expect(onStop).not.toHaveBeenCalled();
      service.start();
      service.stop();
      expect(onStop).toHaveBeenCalledTimes(1);
      expect(() => service.stop()).toThrow(AlreadyStoppedError);
      expect(onStop).toHaveBeenCalledTimes(1);
      service.start();
      service.stop();
      expect(onStop).toHaveBeenCalledTimes(2);
    });

    it('should be called after the run ended and the stopped State was published', () => {
      const seen: { active: boolean; aborted: boolean; lastSeen: boolean }[] = [];
      const { apply, calls } = recorder();
      let states: State[] = [];
      let service!: Service;
      ({ service, states } = setup(apply, {
        onStop: () =>
          seen.push({ active: service.state.active, aborted: calls[0]!.signal.aborted, lastSeen: states[states.length - 1]!.active }),
      }));
      service.configure('{}');
      service.start();
      service.stop();
      expect(seen).toEqual([{ active: false, aborted: true, lastSeen: false }]);
    });

    it('should not be called when a load gives up', () => {
      // Spec 2.3 defines onStop for stop() only.
      const onStop = jest.fn();
      const { service } = setup(
        () => {
          throw new Error('x');
        },
        { onStop },
      );
      service.configure('{}');
      service.start();
      expect(service.state.active).toBe(false);
      expect(onStop).not.toHaveBeenCalled();
    });

    it('may call start() re-entrantly', () => {
      let service!: Service;
      let states: State[] = [];
      const onStop = jest.fn(() => void service.start());
      const { apply, calls } = recorder();
      ({ service, states } = setup(apply, { onStop }));
      service.configure('{}');
      service.start();
      const stopped = service.stop();
      expect(onStop).toHaveBeenCalledTimes(1);
      expect(stopped.active).toBe(false);
      expect(service.state).toMatchObject({ active: true, loading: false });
      expect(calls).toHaveLength(2);
      expect(calls[1]!.signal.aborted).toBe(false);
      expect(states.map((s) => [s.active, s.loading])).toEqual([
        [false, false],
        [false, false],
        [true, true],
        [true, false],
        [false, false],
        [true, true],
        [true, false],
      ]);
      expect(states[4]).toBe(stopped);
      expect(states[states.length - 1]).toBe(service.state);
    });

    it('should report an exception it throws, and stop anyway', async () => {
      const saved = rxConfig.onUnhandledError;
      const reported: unknown[] = [];
      rxConfig.onUnhandledError = (e) => reported.push(e);
      try {
        const thrown = new Error('onStop broke');
        const { service } = setup(() => {}, {
          onStop: () => {
            throw thrown;
          },
        });
        service.start();
        expect(service.stop().active).toBe(false);
        expect(service.state.active).toBe(false);
        await tick();
        expect(reported).toEqual([thrown]);
      } finally {
        rxConfig.onUnhandledError = saved;
      }
    });
  });
});
