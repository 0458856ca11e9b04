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
    box.enqueue('lost');
    const m = member();
    box.addMember(m);
    box.deliverQueued();
    expect(m.got).toEqual([]);
    expect(box.observed).toBe(true);
  });

  it('should be idle only with no batch open, no delivery running and nothing queued', () => {
    const box = new Outbox<string>();
    const idleInside: boolean[] = [];
    const m = member(() => idleInside.push(box.idle));
    box.addMember(m);
    expect(box.idle).toBe(true);
    box.openBatch();
    expect(box.idle).toBe(false);
    box.enqueue('a');
    box.closeBatch();
    expect(m.got).toEqual(['a']);
    expect(idleInside).toEqual([false]); // a delivery was running
    expect(box.idle).toBe(true);
  });

  it('should deliver what is published at once, unless a batch is open or a delivery is under way', () => {
    const box = new Outbox<string>();
    const log: string[] = [];
    const first = member((item) => {
      log.push(`first ${item}`);
      if (item === 'a') box.publish('b'); // from inside a delivery: waits behind 'a'
    });
    box.addMember(first);
    box.publish('a');
    expect(first.got).toEqual(['a', 'b']);
    box.openBatch();
    box.publish('c');
    expect(first.got).toEqual(['a', 'b']);
    box.closeBatch();
    expect(first.got).toEqual(['a', 'b', 'c']);
    const second = member((item) => log.push(`second ${item}`));
    box.addMember(second);
    box.publish('d'); // two members: each in turn
    expect(log).toEqual(['first a', 'first b', 'first c', 'first d', 'second d']);
    expect(box.idle).toBe(true);
  });

  it('should hold what is pushed in a batch until the outermost close', () => {
    const box = new Outbox<string>();
    const m = member();
    box.addMember(m);
    box.openBatch();
    box.enqueue('a');
    box.openBatch();
    box.enqueue('b');
    box.closeBatch();
    expect(m.got).toEqual([]);
    box.closeBatch();
    expect(m.got).toEqual(['a', 'b']);
  });

  it('should deliver what a listener pushes from inside a delivery after the items before it, to every listener', () => {
    const box = new Outbox<string>();
    const first = member((item) => {
      if (item === 'a') {
        box.enqueue('a2'); // a re-entrant push, as a subscriber calling the service does
        box.deliverQueued(); // does nothing: the loop under way delivers it
      }
    });
    const second = member();
    box.addMember(first);
    box.addMember(second);
    box.openBatch();
    box.enqueue('a');
    box.enqueue('b');
    box.closeBatch();
    expect(first.got).toEqual(['a', 'b', 'a2']);
    expect(second.got).toEqual(['a', 'b', 'a2']);
  });

  it('should give a member that joins during a delivery only the items pushed after it joined', () => {
    const box = new Outbox<string>();
    const late = member();
    const first = member((item) => {
      if (item === 'a') {
        box.addMember(late);
        box.enqueue('c');
      }
    });
    box.addMember(first);
    box.openBatch();
    box.enqueue('a');
    box.enqueue('b');
    box.closeBatch();
    expect(first.got).toEqual(['a', 'b', 'c']);
    expect(late.got).toEqual(['c']);
  });

  it('should hand a member that leaves during a delivery the items it has not had yet, oldest first', () => {
    const box = new Outbox<string>();
    const leaving = member();
    let missed: string[] = [];
    const first = member((item) => {
      if (item === 'a') {
        box.enqueue('c');
        missed = box.removeMember(leaving);
      }
    });
    box.addMember(first);
    box.addMember(leaving);
    box.openBatch();
    box.enqueue('a');
    box.enqueue('b');
    box.closeBatch();
    expect(leaving.got).toEqual([]);
    expect(missed).toEqual(['a', 'b', 'c']);
    expect(first.got).toEqual(['a', 'b', 'c']);
    expect(box.removeMember(leaving)).toEqual([]); // not a member any more
  });

  it('should stop delivering to a listener that left, and keep delivering to the others', () => {
    const box = new Outbox<string>();
    const seen: string[] = [];
    const leave = box.joinListener({ next: (item) => seen.push(item) });
    const m = member();
    box.addMember(m);
    box.enqueue('a');
    box.deliverQueued();
    leave();
    box.enqueue('b');
    box.deliverQueued();
    expect(seen).toEqual(['a']);
    expect(m.got).toEqual(['a', 'b']);
    box.removeMember(m);
    expect(box.observed).toBe(false);
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
    for (const m of [before, thrower, after]) box.addMember(m);
    box.openBatch();
    box.enqueue('a');
    box.enqueue('b');
    expect(() => box.closeBatch()).toThrow('listener failed');
    expect([before.got, thrower.got, after.got]).toEqual([['a'], ['a'], []]);
    box.deliverQueued();
    expect([before.got, thrower.got, after.got]).toEqual([
      ['a', 'b'],
      ['a', 'b'],
      ['a', 'b'],
    ]);
  });
});
