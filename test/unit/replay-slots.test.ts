import type { EventStore } from '../../src/pubsub/event.store';
import { Replayer } from '../../src/pubsub/replay';

const tick = () => new Promise((r) => setImmediate(r));

/** A store whose every read waits until the test lets it finish, logging who asked. */
function gatedStore() {
  const calls: string[] = [];
  const gates: (() => void)[] = [];
  let running = 0;
  let most = 0;
  const gated = async <T>(call: string, value: T): Promise<T> => {
    calls.push(call);
    running++;
    most = Math.max(most, running);
    await new Promise<void>((r) => gates.push(r));
    running--;
    return value;
  };
  const store = {
    countRoomBetween: (campaign: string) => gated(`count ${campaign}`, { prunedUpto: 0n, count: 1 }),
    roomBetween: (campaign: string) => gated(`read ${campaign}`, { prunedUpto: 0n, rows: [{ id: '5' }] }),
    render: async () => [],
  } as unknown as EventStore;
  return { store, calls, gates, most: () => most };
}

describe('replay slots', () => {
  it('run at most `concurrency` reads at once, and hand a freed slot to the longest waiter', async () => {
    const { store, calls, gates, most } = gatedStore();
    const replayer = new Replayer({ store, limit: 100, chunk: 500, concurrency: 1 });
    const runs = ['a', 'b', 'c'].map((campaign) => replayer.run(campaign, 0n, 10n, () => undefined));
    for (let step = 0; step < 6; step++) {
      await tick();
      gates.shift()?.();
    }
    expect(await Promise.all(runs)).toEqual([1, 1, 1].map((rows) => ({ last: 10n, rows })));
    // a's read arrived after b and c were waiting: it does not overtake them
    expect(calls).toEqual(['count a', 'count b', 'count c', 'read a', 'read b', 'read c']);
    expect(most()).toBe(1);
  });
});
