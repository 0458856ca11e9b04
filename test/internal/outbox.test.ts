/** The outbox every Service and ServiceMap delivers through: batches, order under re-entrancy, joins, leaves. */
import { Outbox, type OutboxMember } from '../../src/internal/outbox';

/** A member that keeps what it gets, and runs `react` (if set) on each item. */
function member(react?: (item: string) => void): OutboxMember<string> & { got: string[] } {
  const got: string[] = [];
  return {
    got,
    seen: 0,
    next(item) {
      got.push(item);
      react?.(item);
    },
  };
}

describe('Outbox', () => {
  it('should queue nothing while nobody listens', () => {
    const box = new Outbox<string>();
    Outbox.push(box, 'lost');
    const m = member();
    Outbox.add(box, m);
    Outbox.flush(box);
    expect(m.got).toEqual([]);
    expect(Outbox.observed(box)).toBe(true);
  });

  it('should hold what is pushed in a batch until the outermost close', () => {
    const box = new Outbox<string>();
    const m = member();
    Outbox.add(box, m);
    Outbox.open(box);
    Outbox.push(box, 'a');
    Outbox.open(box);
    Outbox.push(box, 'b');
    Outbox.close(box);
    expect(m.got).toEqual([]);
    Outbox.close(box);
    expect(m.got).toEqual(['a', 'b']);
  });

  it('should deliver what a listener pushes from inside a delivery after the items before it, to every listener', () => {
    const box = new Outbox<string>();
    const first = member((item) => {
      if (item === 'a') {
        Outbox.push(box, 'a2'); // a re-entrant push, as a subscriber calling the service does
        Outbox.flush(box); // does nothing: the loop under way delivers it
      }
    });
    const second = member();
    Outbox.add(box, first);
    Outbox.add(box, second);
    Outbox.open(box);
    Outbox.push(box, 'a');
    Outbox.push(box, 'b');
    Outbox.close(box);
    expect(first.got).toEqual(['a', 'b', 'a2']);
    expect(second.got).toEqual(['a', 'b', 'a2']);
  });

  it('should give a member that joins during a delivery only the items pushed after it joined', () => {
    const box = new Outbox<string>();
    const late = member();
    const first = member((item) => {
      if (item === 'a') {
        Outbox.add(box, late);
        Outbox.push(box, 'c');
      }
    });
    Outbox.add(box, first);
    Outbox.open(box);
    Outbox.push(box, 'a');
    Outbox.push(box, 'b');
    Outbox.close(box);
    expect(first.got).toEqual(['a', 'b', 'c']);
    expect(late.got).toEqual(['c']);
  });

  it('should hand a member that leaves during a delivery the items it has not had yet, oldest first', () => {
    const box = new Outbox<string>();
    const leaving = member();
    let missed: string[] = [];
    const first = member((item) => {
      if (item === 'a') {
        Outbox.push(box, 'c');
        missed = Outbox.remove(box, leaving);
      }
    });
    Outbox.add(box, first);
    Outbox.add(box, leaving);
    Outbox.open(box);
    Outbox.push(box, 'a');
    Outbox.push(box, 'b');
    Outbox.close(box);
    expect(leaving.got).toEqual([]);
    expect(missed).toEqual(['a', 'b', 'c']);
    expect(first.got).toEqual(['a', 'b', 'c']);
    expect(Outbox.remove(box, leaving)).toEqual([]); // not a member any more
  });

  it('should stop delivering to a listener that left, and keep delivering to the others', () => {
    const box = new Outbox<string>();
    const seen: string[] = [];
    const leave = Outbox.join(box, { next: (item) => seen.push(item) });
    const m = member();
    Outbox.add(box, m);
    Outbox.push(box, 'a');
    Outbox.flush(box);
    leave();
    Outbox.push(box, 'b');
    Outbox.flush(box);
    expect(seen).toEqual(['a']);
    expect(m.got).toEqual(['a', 'b']);
    Outbox.remove(box, m);
    expect(Outbox.observed(box)).toBe(false);
  });

  it('should go on from the item a listener threw on, without giving it twice to those that had it', () => {
    const box = new Outbox<string>();
    const before = member();
    let fail = true;
    const thrower = member((item) => {
      if (item === 'a' && fail) {
        fail = false;
        throw new Error('listener failed');
      }
    });
    const after = member();
    for (const m of [before, thrower, after]) Outbox.add(box, m);
    Outbox.open(box);
    Outbox.push(box, 'a');
    Outbox.push(box, 'b');
    expect(() => Outbox.close(box)).toThrow('listener failed');
    expect([before.got, thrower.got, after.got]).toEqual([['a'], ['a'], []]);
    Outbox.flush(box);
    expect([before.got, thrower.got, after.got]).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });
});
