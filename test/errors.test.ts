import {
  AbortRetryError,
  AlreadyExistsError,
  AlreadyLoadingError,
  AlreadyStartedError,
  AlreadyStoppedError,
  ImmutableError,
  NotFoundError,
  TimeoutError,
  abortRetry,
} from 'rx-lifecycle';

const simple = [
  { Class: AlreadyStartedError, name: 'AlreadyStartedError', code: 'ERR_ALREADY_STARTED', message: 'already started' },
  { Class: AlreadyStoppedError, name: 'AlreadyStoppedError', code: 'ERR_ALREADY_STOPPED', message: 'already stopped' },
  { Class: AlreadyLoadingError, name: 'AlreadyLoadingError', code: 'ERR_ALREADY_LOADING', message: 'already loading' },
  { Class: NotFoundError, name: 'NotFoundError', code: 'ERR_NOT_FOUND', message: 'not found' },
  { Class: ImmutableError, name: 'ImmutableError', code: 'ERR_IMMUTABLE', message: 'immutable' },
  { Class: AlreadyExistsError, name: 'AlreadyExistsError', code: 'ERR_ALREADY_EXISTS', message: 'already exists' },
] as const;

describe.each(simple)('$name', ({ Class, name, code, message }) => {
  it('should be an instance of itself and of Error', () => {
    const err = new Class();
    expect(err).toBeInstanceOf(Class);
    expect(err).toBeInstanceOf(Error);
  });

  it('should have a fixed name and a stable code', () => {
    const err = new Class();
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
    expect(String(err)).toBe(`${name}: ${message}`);
  });

  it('should have a lower-case default message', () => {
    expect(new Class().message).toBe(message);
  });

  it('should take a custom message', () => {
    const err = new Class('custom text');
    expect(err.message).toBe('custom text');
    expect(err.name).toBe(name);
    expect(err.code).toBe(code);
  });

  it('should not be an instance of the other error classes', () => {
    const err = new Class();
    for (const other of simple) {
      if (other.Class !== Class) expect(err).not.toBeInstanceOf(other.Class);
    }
    expect(err).not.toBeInstanceOf(AbortRetryError);
    expect(err).not.toBeInstanceOf(TimeoutError);
  });

});

describe('error codes', () => {
  it('should be distinct across the error classes', () => {
    const codes = new Set([...simple.map((s) => new s.Class().code), new AbortRetryError(1).code, new TimeoutError(1).code]);
    expect(codes.size).toBe(simple.length + 2);
  });
});

describe('AbortRetryError', () => {
  it('should keep its cause and be an Error', () => {
    const cause = new Error('bad credentials');
    const err = new AbortRetryError(cause);
    expect(err).toBeInstanceOf(AbortRetryError);
    expect(err).toBeInstanceOf(Error);
    expect(err.cause).toBe(cause);
  });

  it('should have a fixed name and a stable code', () => {
    const err = new AbortRetryError(new Error('x'));
    expect(err.name).toBe('AbortRetryError');
    expect(err.code).toBe('ERR_ABORT_RETRY');
  });

  it("should default its message to the cause's message", () => {
    expect(new AbortRetryError(new Error('bad credentials')).message).toBe('retry aborted: bad credentials');
  });

  it('should describe a cause that is not an Error', () => {
    const err = new AbortRetryError('plain');
    expect(err.cause).toBe('plain');
    expect(err.message).toBe('retry aborted: plain');
  });

  it('should take a custom message', () => {
    const cause = new Error('x');
    const err = new AbortRetryError(cause, 'stop now');
    expect(err.message).toBe('stop now');
    expect(err.cause).toBe(cause);
  });
});

describe('abortRetry', () => {
  it('should return an AbortRetryError whose cause is the error', () => {
    const cause = new Error('token missing');
    const err = abortRetry(cause);
    expect(err).toBeInstanceOf(AbortRetryError);
    expect(err.cause).toBe(cause);
    expect(err.message).toBe('retry aborted: token missing');
  });

  it('should return a new wrapper on each call', () => {
    const cause = new Error('x');
    expect(abortRetry(cause)).not.toBe(abortRetry(cause));
  });
});

describe('TimeoutError', () => {
  it('should be an Error with a fixed name, code and the timeout', () => {
    const err = new TimeoutError(5000);
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('TimeoutError');
    expect(err.code).toBe('ERR_APPLY_TIMEOUT');
    expect(err.timeout).toBe(5000);
  });

  it('should default its message to the timeout', () => {
    expect(new TimeoutError(5000).message).toBe('apply timed out after 5000 ms');
  });

  it('should take a custom message', () => {
    const err = new TimeoutError(10, 'too slow');
    expect(err.message).toBe('too slow');
    expect(err.timeout).toBe(10);
  });
});
