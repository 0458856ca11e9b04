import * as lib from 'rx-lifecycle';
import * as client from 'rx-lifecycle/client';
import * as http from 'rx-lifecycle/http';
import * as nats from 'rx-lifecycle/nats';

describe('rx-lifecycle', () => {
  describe('exports', () => {
    const classes = ['Service', 'ServiceMap', 'LifecycleError'] as const;
    const functions = ['retryBackoff', 'retryApply', 'monoApply', 'abortRetry', 'statusOf', 'lifecycleEvents', 'logLifecycle', 'quietFailures', 'updateConfig', 'toExternalStore', 'idIsKind', 'idIsUUID', 'idIsRequired'] as const;
    const errors = [
      'AbortRetryError',
      'AlreadyExistsError',
      'AlreadyLoadingError',
      'AlreadyStartedError',
      'AlreadyStoppedError',
      'ImmutableError',
      'NotFoundError',
      'TimeoutError',
    ] as const;
    const exported = lib as unknown as Record<string, unknown>;

    it.each(classes)('should export the class %s', (name) => {
      const value = exported[name];
      expect(typeof value).toBe('function');
      expect((value as { name: string }).name).toBe(name);
      expect(typeof (value as { prototype: unknown }).prototype).toBe('object');
    });

    it.each(functions)('should export the function %s', (name) => {
      const value = exported[name];
      expect(typeof value).toBe('function');
      expect((value as { name: string }).name).toBe(name);
    });

    it.each(errors)('should export the error class %s, a subclass of LifecycleError', (name) => {
      const value = exported[name] as new (...args: unknown[]) => Error;
      expect(typeof value).toBe('function');
      expect(value.name).toBe(name);
      expect(value.prototype).toBeInstanceOf(Error);
      const instance = name === 'TimeoutError' ? new value(1) : name === 'AbortRetryError' ? new value(new Error('x')) : new value();
      expect(instance).toBeInstanceOf(lib.LifecycleError);
      expect(instance.name).toBe(name);
      expect((instance as lib.LifecycleError).code).toMatch(/^ERR_[A-Z_]+$/);
    });

    it('should make a working Service from the package root', () => {
      const service = new lib.Service(() => {});
      expect(service.state.active).toBe(false);
    });

    it('should not export the internals', () => {
      for (const name of ['transition', 'backoff', 'backoffPolicy', 'backoffDelay', 'PublishQueue', 'applyAttempt', 'initialState', 'sameState']) {
        expect(exported).not.toHaveProperty(name);
      }
    });
  });

  describe('subpath entry points', () => {
    it.each([
      ['rx-lifecycle/http', http, ['createServiceMapServer']],
      ['rx-lifecycle/client', client, ['RemoteServiceMap', 'RemoteError']],
      ['rx-lifecycle/nats', nats, ['publishServiceMap', 'natsFleet']],
    ] as const)('should export from %s what the spec names', (_name, entry, names) => {
      for (const name of names) expect(typeof (entry as Record<string, unknown>)[name]).toBe('function');
    });

    it('should keep them out of the package root', () => {
      for (const name of ['createServiceMapServer', 'RemoteServiceMap', 'publishServiceMap', 'natsFleet', 'useServiceStates']) {
        expect(lib).not.toHaveProperty(name);
      }
    });
  });
});
