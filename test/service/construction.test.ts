/** Service: the constructor, its defaults, and the checks of its arguments. */
import { VirtualTimeScheduler } from 'rxjs';
import { Service } from 'rx-lifecycle';

describe('Service', () => {
  describe('constructor', () => {
    it('should make an inactive service, unconfigured, inactive since now', () => {
      const scheduler = new VirtualTimeScheduler();
      scheduler.frame = 1234;
      const service = new Service(() => {}, { scheduler });
      expect(service.state).toEqual({ active: false, loading: false, failedAttempts: 0, lastInactiveTime: 1234 });
      expect(Object.isFrozen(service.state)).toBe(true);
    });

    it('should not call apply', () => {
      const apply = jest.fn();
      new Service(apply);
      expect(apply).not.toHaveBeenCalled();
    });

    it('should default the clock to the async scheduler (Date.now)', () => {
      const before = Date.now();
      const service = new Service(() => {});
      expect(service.state.lastInactiveTime).toBeGreaterThanOrEqual(before);
      expect(service.state.lastInactiveTime).toBeLessThanOrEqual(Date.now());
    });

    describe('bad arguments', () => {
      const ok = () => {};
      const cases: [string, () => unknown, ErrorConstructor, string][] = [
        ['a non-function apply', () => new Service(undefined as never), TypeError, 'apply'],
        ['a number for apply', () => new Service(42 as never), TypeError, 'apply'],
        ['options that are not an object', () => new Service(ok, 5 as never), TypeError, 'options'],
        ['a non-function parse', () => new Service(ok, { parse: 'json' as never }), TypeError, 'parse'],
        ['a non-function now', () => new Service(ok, { now: 5 as never }), TypeError, 'now'],
        ['a non-function onStop', () => new Service(ok, { onStop: {} as never }), TypeError, 'onStop'],
        ['a bad scheduler', () => new Service(ok, { scheduler: {} as never }), TypeError, 'scheduler'],
        ['a retry that is not an object', () => new Service(ok, { retry: 'yes' as never }), TypeError, 'retry'],
        ['a negative initialDelay', () => new Service(ok, { retry: { initialDelay: -1 } }), RangeError, 'initialDelay'],
        ['a NaN initialDelay', () => new Service(ok, { retry: { initialDelay: NaN } }), RangeError, 'initialDelay'],
        ['an Infinity maxDelay', () => new Service(ok, { retry: { maxDelay: Infinity } }), RangeError, 'maxDelay'],
        ['a negative maxDelay', () => new Service(ok, { retry: { maxDelay: -10 } }), RangeError, 'maxDelay'],
        ['a NaN minDelay', () => new Service(ok, { retry: { minDelay: NaN } }), RangeError, 'minDelay'],
        ['a negative minDelay', () => new Service(ok, { retry: { minDelay: -1 } }), RangeError, 'minDelay'],
        ['a factor below 1', () => new Service(ok, { retry: { factor: 0.9 } }), RangeError, 'factor'],
        ['a jitter above 1', () => new Service(ok, { retry: { jitter: 1.01 } }), RangeError, 'jitter'],
        ['a negative jitter', () => new Service(ok, { retry: { jitter: -0.1 } }), RangeError, 'jitter'],
        ['a non-integer maxAttempts', () => new Service(ok, { retry: { maxAttempts: 2.5 } }), RangeError, 'maxAttempts'],
        ['a negative maxAttempts', () => new Service(ok, { retry: { maxAttempts: -1 } }), RangeError, 'maxAttempts'],
        ['a non-function random', () => new Service(ok, { retry: { random: 0.5 as never } }), TypeError, 'random'],
        ['a non-function logger', () => new Service(ok, { retry: { logger: console as never } }), TypeError, 'logger'],
        ['a negative resetAfter', () => new Service(ok, { retry: { resetAfter: -1 } }), RangeError, 'resetAfter'],
        ['another whileLoading', () => new Service(ok, { whileLoading: 'queue' as never }), TypeError, 'whileLoading'],
        ['an applyTimeout of 0', () => new Service(ok, { applyTimeout: 0 }), RangeError, 'applyTimeout'],
        ['a negative applyTimeout', () => new Service(ok, { applyTimeout: -5 }), RangeError, 'applyTimeout'],
        ['a NaN applyTimeout', () => new Service(ok, { applyTimeout: NaN }), RangeError, 'applyTimeout'],
        ['an Infinity applyTimeout', () => new Service(ok, { applyTimeout: Infinity }), RangeError, 'applyTimeout'],
      ];

      it.each(cases)('should throw for %s, naming the field', (_name, make, type, field) => {
        expect(make).toThrow(type);
        expect(make).toThrow(field);
      });

      it('should accept every option at its edge', () => {
        expect(
          () =>
            new Service(ok, {
              retry: { initialDelay: 0, factor: 1, maxDelay: 0, minDelay: 0, maxAttempts: 0, jitter: 1, resetAfter: 0 },
              whileLoading: 'switch',
              applyTimeout: 0.5,
            }),
        ).not.toThrow();
        expect(() => new Service(ok, { retry: false, whileLoading: 'reject' })).not.toThrow();
        expect(() => new Service(ok, { retry: true })).not.toThrow();
      });
    });

    describe('as a base class', () => {
      /** A subclass whose members are named like the outbox operations a service uses inside. */
      class Connection extends Service<{ url: string }> {
        readonly log: string[] = [];
        static open(url: string): Connection {
          const connection = new Connection();
          connection.configure(JSON.stringify({ url }));
          connection.start();
          return connection;
        }
        constructor() {
          super(() => {});
        }
        open(): void {
          this.log.push('open');
        }
        close(): void {
          this.log.push('close');
          this.stop();
        }
        push(line: string): void {
          this.log.push(line);
        }
        flush(): void {
          this.log.push('flush');
        }
        add(): void {}
        remove(): void {}
        join(): void {}
        get observed(): string {
          return 'mine';
        }
      }

      it('should publish every State to its subscribers whatever its members are named', () => {
        const connection = Connection.open('ws://a');
        const seen: boolean[] = [];
        connection.state$.subscribe((s) => seen.push(s.active));
        connection.push('hello');
        connection.flush();
        connection.close();
        expect(seen).toEqual([true, false]);
        expect(connection.log).toEqual(['hello', 'flush', 'close']);
        expect(connection.observed).toBe('mine');
        expect(connection.parsedConfig).toEqual({ url: 'ws://a' });
      });

      it('should show no outbox operation on a service or on the Service class', () => {
        const service = new Service(() => {});
        for (const name of ['observed', 'add', 'remove', 'join', 'open', 'close', 'push', 'flush']) {
          expect(name in service).toBe(false);
          expect(name in Service).toBe(false);
        }
      });
    });
  });
});
