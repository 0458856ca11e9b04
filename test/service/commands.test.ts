/** Service: the commands start(), configure() (with the default parser and the parse option) and stop(). */
import { AlreadyLoadingError, AlreadyStartedError, AlreadyStoppedError } from 'rx-lifecycle';
import { advance, checkRecordedStates, recorder, setup } from '../helpers/service';

afterEach(checkRecordedStates);

describe('Service', () => {
  describe('start()', () => {
    it('should become active (Go: start)', () => {
      const { scheduler, service, states } = setup(() => {});
      advance(scheduler, 10);
      const s = service.start();
      expect(s).toEqual({ active: true, loading: false, failedAttempts: 0, lastInactiveTime: 0, lastActiveTime: 10 });
      expect(service.state).toBe(s);
      expect(states).toEqual([expect.objectContaining({ active: false }), s]);
      expect(states[1]).toBe(s);
    });

    it('should not call apply without a config', () => {
      const { apply, calls } = recorder();
      const { service } = setup(apply);
      service.start();
      expect(calls).toHaveLength(0);
    });

    it('should throw AlreadyStartedError when started twice, changing nothing (Go: start twice)', () => {
      const { apply, calls } = recorder();
      const { scheduler, service, states } = setup(apply);
      service.configure('{}');
      const started = service.start();
      const count = states.length;
      advance(scheduler, 5);
      expect(() => service.start()).toThrow(AlreadyStartedError);
      expect(service.state).toBe(started);
      expect(states).toHaveLength(count);
      expect(calls).toHaveLength(1);
    });

    it('should load the accepted config (Go: configure then start)', () => {
      const { apply, calls } = recorder();
      const { scheduler, service, states } = setup(apply);
      advance(scheduler, 1);
      service.configure('{"a":1}');
      advance(scheduler, 1);
      const s = service.start();
      expect(calls).toHaveLength(1);
      expect(calls[0]!.config).toEqual({ a: 1 });
      expect(s).toEqual({
        active: true,
        config: '{"a":1}',
        loading: false,
        failedAttempts: 0,
        lastInactiveTime: 0,
        lastActiveTime: 2,
        lastConfigTime: 1,
        lastLoadingStartTime: 2,
        lastLoadingEndTime: 2,
      });
      expect(states.map((x) => [x.active, x.loading])).toEqual([
        [false, false],
        [false, false],
        [true, true],
        [true, false],
      ]);
    });

    it('should clear the error of a load that gave up, and load again', () => {
      const err = new Error('boom');
      const { apply, calls } = recorder((n) => {
        if (n === 1) throw err;
      });
      const { scheduler, service } = setup(apply);
      service.configure('{}');
      expect(service.start().error).toBe(err);
      advance(scheduler, 10);
      const s = service.start();
      expect(calls).toHaveLength(2);
      expect(s.error).toBeUndefined();
      expect(s.active).toBe(true);
      expect(s.loading).toBe(false);
      expect(s.failedAttempts).toBe(0);
      expect(s.lastErrorTime).toBe(0);
      expect(s.lastActiveTime).toBe(10);
    });

    it('should start a new run after a stop', () => {
      const { apply, calls } = recorder();
      const { service } = setup(apply);
      service.configure('{}');
      service.start();
      service.stop();
      service.start();
      expect(calls).toHaveLength(2);
      expect(calls[0]!.signal.aborted).toBe(true);
      expect(calls[1]!.signal.aborted).toBe(false);
    });
  });

  describe('configure()', () => {
    it('should accept the config while inactive, without loading it (Go: configure)', () => {
      const { apply, calls } = recorder();
      const { scheduler, service, states } = setup(apply);
      advance(scheduler, 7);
      const s = service.configure('{"a":1}');
      expect(s).toEqual({ active: false, loading: false, failedAttempts: 0, lastInactiveTime: 0, config: '{"a":1}', lastConfigTime: 7 });
      expect(service.state).toBe(s);
      expect(states[states.length - 1]).toBe(s);
      expect(calls).toHaveLength(0);
    });

    it('should replace the config when configured twice (Go: configure twice)', () => {
      const { apply, calls } = recorder();
      const { scheduler, service, states } = setup(apply);
      service.configure('{"a":1}');
      advance(scheduler, 3);
      const s = service.configure('{"a":2}');
      expect(s.config).toBe('{"a":2}');
      expect(s.lastConfigTime).toBe(3);
      expect(states).toHaveLength(3);
      service.start();
      expect(calls.map((c) => c.config)).toEqual([{ a: 2 }]);
    });

    it('should propagate a parse error and change nothing (Go: parse error)', () => {
      const err = new Error('bad config');
      const { apply, calls } = recorder();
      const { service, states } = setup(apply, {
        parse: () => {
          throw err;
        },
      });
      const before = service.state;
      expect(() => service.configure('{}')).toThrow(err);
      try {
        service.configure('{}');
      } catch (e) {
        expect(e).toBe(err);
      }
      expect(service.state).toBe(before);
      expect(states).toHaveLength(1);
      expect(calls).toHaveLength(0);
    });

    it('should propagate a parse error while active, changing nothing and keeping the old config', () => {
      const { apply, calls } = recorder();
      const { service, states } = setup(apply, {
        parse: (data) => {
          if (data === 'bad') throw new SyntaxError('bad');
          return data;
        },
      });
      service.configure('good');
      service.start();
      const before = service.state;
      const count = states.length;
      expect(() => service.configure('bad')).toThrow(SyntaxError);
      expect(service.state).toBe(before);
      expect(states).toHaveLength(count);
      expect(calls.map((c) => c.config)).toEqual(['good']);
      service.stop();
      service.start();
      expect(calls.map((c) => c.config)).toEqual(['good', 'good']);
    });

    it('should load at once when active (Go: start then configure)', () => {
      const { apply, calls } = recorder();
      const { scheduler, service, states } = setup(apply);
      service.start();
      advance(scheduler, 4);
      const s = service.configure('{"b":true}');
      expect(calls.map((c) => c.config)).toEqual([{ b: true }]);
      expect(s).toMatchObject({ active: true, loading: false, config: '{"b":true}', lastConfigTime: 4, lastLoadingStartTime: 4, lastLoadingEndTime: 4 });
      expect(states.map((x) => x.loading)).toEqual([false, false, true, false]);
    });

    it('should throw AlreadyLoadingError while loading, changing nothing (Go: configure while loading)', () => {
      const { apply, calls } = recorder(() => new Promise<void>(() => {}));
      const { service, states } = setup(apply);
      service.start();
      service.configure('{"a":1}');
      const before = service.state;
      const count = states.length;
      expect(() => service.configure('{"a":2}')).toThrow(AlreadyLoadingError);
      expect(service.state).toBe(before);
      expect(service.state.config).toBe('{"a":1}');
      expect(states).toHaveLength(count);
      expect(calls).toHaveLength(1);
    });

    it('should throw AlreadyLoadingError during a retry wait', () => {
      const { apply } = recorder(() => {
        throw new Error('x');
      });
      const { service } = setup(apply, { retry: true });
      service.start();
      service.configure('{}');
      expect(service.state.nextAttemptTime).toBe(500);
      expect(() => service.configure('{"a":2}')).toThrow(AlreadyLoadingError);
    });

    it('should parse before checking for a load in progress', () => {
      const { apply } = recorder(() => new Promise<void>(() => {}));
      const { service } = setup(apply);
      service.start();
      service.configure('{}');
      expect(() => service.configure('not json')).toThrow(SyntaxError);
    });

    it('should keep a Uint8Array config by reference', () => {
      const { service } = setup(() => {});
      const bytes = new TextEncoder().encode('{}');
      expect(service.configure(bytes).config).toBe(bytes);
    });

    describe('default parser', () => {
      it('should parse JSON text', () => {
        const { apply, calls } = recorder();
        const { service } = setup(apply);
        service.start();
        service.configure('{"name":"x","n":[1,2]}');
        expect(calls[0]!.config).toEqual({ name: 'x', n: [1, 2] });
      });

      it('should parse UTF-8 bytes', () => {
        const { apply, calls } = recorder();
        const { service } = setup(apply);
        service.start();
        service.configure(new TextEncoder().encode('{"name":"café ☕"}'));
        expect(calls[0]!.config).toEqual({ name: 'café ☕' });
      });

      it('should throw for invalid JSON, changing nothing', () => {
        const { service, states } = setup(() => {});
        expect(() => service.configure('{nope')).toThrow(SyntaxError);
        expect(states).toHaveLength(1);
      });

      it('should throw for invalid UTF-8, changing nothing', () => {
        const { apply, calls } = recorder();
        const { service, states } = setup(apply);
        service.start();
        const before = service.state;
        expect(() => service.configure(new Uint8Array([0x22, 0xff, 0xfe, 0x22]))).toThrow();
        expect(service.state).toBe(before);
        expect(states).toHaveLength(2);
        expect(calls).toHaveLength(0);
      });
    });

    describe('parse option', () => {
      it('should get the raw data and hand its result to apply', () => {
        const parse = jest.fn((data: string | Uint8Array) => ({ raw: data }));
        const { apply, calls } = recorder();
        const { service } = setup(apply, { parse });
        service.start();
        const bytes = new Uint8Array([1, 2, 3]);
        service.configure(bytes);
        expect(parse).toHaveBeenCalledWith(bytes);
        expect(calls[0]!.config).toEqual({ raw: bytes });
        expect((calls[0]!.config as { raw: unknown }).raw).toBe(bytes);
      });

      it('should parse once per configure, and not again on start', () => {
        const parse = jest.fn((data: string | Uint8Array) => String(data));
        const { apply, calls } = recorder();
        const { service } = setup(apply, { parse });
        service.configure('a');
        service.start();
        service.stop();
        service.start();
        expect(parse).toHaveBeenCalledTimes(1);
        expect(calls.map((c) => c.config)).toEqual(['a', 'a']);
      });

      it('should pass a parsed undefined to apply', () => {
        const { apply, calls } = recorder();
        const { service } = setup(apply, { parse: () => undefined });
        service.configure('x');
        service.start();
        expect(calls).toHaveLength(1);
        expect(calls[0]!.config).toBeUndefined();
      });
    });
  });

  describe('stop()', () => {
    it('should throw AlreadyStoppedError when stopped, changing nothing (Go: stop when stopped)', () => {
      const onStop = jest.fn();
      const { service, states } = setup(() => {}, { onStop });
      const before = service.state;
      expect(() => service.stop()).toThrow(AlreadyStoppedError);
      expect(service.state).toBe(before);
      expect(states).toHaveLength(1);
      expect(onStop).not.toHaveBeenCalled();
    });

    it('should become inactive (Go: start, stop)', () => {
      const { scheduler, service, states } = setup(() => {});
      service.start();
      advance(scheduler, 9);
      const s = service.stop();
      expect(s).toEqual({ active: false, loading: false, failedAttempts: 0, lastInactiveTime: 9, lastActiveTime: 0 });
      expect(service.state).toBe(s);
      expect(states[states.length - 1]).toBe(s);
    });

    it('should throw AlreadyStoppedError for a configured service that never started (Go: configure, stop)', () => {
      const { service, states } = setup(() => {});
      const configured = service.configure('{}');
      expect(() => service.stop()).toThrow(AlreadyStoppedError);
      expect(service.state).toBe(configured);
      expect(states).toHaveLength(2);
    });

    it('should abort the signal of the run (Go: configure, start, stop)', () => {
      const { apply, calls } = recorder();
      const { service } = setup(apply);
      service.configure('{}');
      service.start();
      expect(calls[0]!.signal.aborted).toBe(false);
      const s = service.stop();
      expect(calls[0]!.signal.aborted).toBe(true);
      expect(s).toMatchObject({ active: false, loading: false });
    });

    it('should throw AlreadyStoppedError when stopped twice', () => {
      const { service } = setup(() => {});
      service.start();
      const stopped = service.stop();
      expect(() => service.stop()).toThrow(AlreadyStoppedError);
      expect(service.state).toBe(stopped);
    });

    it('should end a load in progress at once', () => {
      const { apply, calls } = recorder(() => new Promise<void>(() => {}));
      const { scheduler, service } = setup(apply);
      service.configure('{}');
      service.start();
      advance(scheduler, 20);
      const s = service.stop();
      expect(s).toMatchObject({
        active: false,
        loading: false,
        lastInactiveTime: 20,
        lastLoadingStartTime: 0,
        lastLoadingEndTime: 20,
        nextAttemptTime: undefined,
      });
      expect(calls[0]!.signal.aborted).toBe(true);
    });

    it('should cancel a pending retry', () => {
      const err = new Error('x');
      const { apply, calls } = recorder(() => {
        throw err;
      });
      const { scheduler, service, states } = setup(apply, { retry: true });
      service.configure('{}');
      service.start();
      expect(service.state.nextAttemptTime).toBe(500);
      advance(scheduler, 100);
      const s = service.stop();
      expect(s).toMatchObject({ active: false, loading: false, nextAttemptTime: undefined, lastLoadingEndTime: 100, error: err, failedAttempts: 1 });
      expect(scheduler.actions).toHaveLength(0);
      const count = states.length;
      advance(scheduler, 10_000);
      expect(calls).toHaveLength(1);
      expect(states).toHaveLength(count);
    });

    it('should keep lastLoadingEndTime of a finished load', () => {
      const { scheduler, service } = setup(() => {});
      service.configure('{}');
      service.start();
      advance(scheduler, 50);
      expect(service.stop().lastLoadingEndTime).toBe(0);
    });
  });
});
