import * as lib from 'rx-lifecycle';

describe('rx-lifecycle', () => {
  describe('exports', () => {
    const classes = ['Service'] as const;
    const functions = ['retryBackoff', 'retryApply', 'monoApply', 'abortRetry'] as const;
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

    it.each(errors)('should export the error class %s, a subclass of Error', (name) => {
      const value = exported[name] as new (...args: unknown[]) => Error;
      expect(typeof value).toBe('function');
      expect(value.name).toBe(name);
      expect(value.prototype).toBeInstanceOf(Error);
      const instance = name === 'TimeoutError' ? new value(1) : name === 'AbortRetryError' ? new value(new Error('x')) : new value();
      expect(instance).toBeInstanceOf(Error);
      expect(instance.name).toBe(name);
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
});
