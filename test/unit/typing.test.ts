import { Typing } from '../../src/presence/typing';

const EXPIRY_MS = 5_000;
const INTERVAL_MS = 2_000;

/** A Typing as an instance has it, recording what it tells the cluster and its own room, and when. */
function typing() {
  const start = Date.now();
  const sent: string[] = [];
  const shown: string[] = [];
  const at = () => Date.now() - start;
  const t = new Typing({
    send: (campaign, member, on) => sent.push(`${campaign} ${member}:${on} @${at()}`),
    show: (campaign, member, on) => shown.push(`${campaign} ${member}:${on} @${at()}`),
    expiryMs: EXPIRY_MS,
    intervalMs: INTERVAL_MS,
  });
  return { t, sent, shown };
}

beforeEach(() => {
  jest.useFakeTimers({ now: new Date('2026-12-01T12:00:00Z') });
});
afterEach(() => {
  jest.useRealTimers();
});

describe('typing through this instance', () => {
  it('a true is told at once, and a true repeated within the interval is folded into it', () => {
    const { t, sent } = typing();
    t.set('room', 'eve', true);
    jest.advanceTimersByTime(500);
    t.set('room', 'eve', true);
    jest.advanceTimersByTime(1_000);
    t.set('room', 'eve', true);
    expect(sent).toEqual(['room eve:true @0']);
  });

  it('a true not refreshed ends by itself after the expiry, not a moment before', () => {
    const { t, sent } = typing();
    t.set('room', 'eve', true);
    jest.advanceTimersByTime(EXPIRY_MS - 1);
    expect(sent).toEqual(['room eve:true @0']);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual(['room eve:true @0', `room eve:false @${EXPIRY_MS}`]);
  });

  it('a refreshed true ends an expiry after the last refresh', () => {
    const { t, sent } = typing();
    t.set('room', 'eve', true);
    jest.advanceTimersByTime(1_500);
    t.set('room', 'eve', true); // folded: nothing sent, but the expiry starts again
    jest.advanceTimersByTime(EXPIRY_MS - 1);
    expect(sent).toEqual(['room eve:true @0']);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual(['room eve:true @0', `room eve:false @${1_500 + EXPIRY_MS}`]);
  });

  it("a true repeated after the interval is told again, keeping other instances' backstop off", () => {
    const { t, sent } = typing();
    t.set('room', 'eve', true);
    jest.advanceTimersByTime(INTERVAL_MS);
    t.set('room', 'eve', true);
    expect(sent).toEqual(['room eve:true @0', `room eve:true @${INTERVAL_MS}`]);
  });

  it('a false within the interval is told when the interval ends', () => {
    const { t, sent } = typing();
    t.set('room', 'eve', true);
    jest.advanceTimersByTime(300);
    t.set('room', 'eve', false);
    jest.advanceTimersByTime(INTERVAL_MS - 301);
    expect(sent).toEqual(['room eve:true @0']);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual(['room eve:true @0', `room eve:false @${INTERVAL_MS}`]);
    jest.advanceTimersByTime(EXPIRY_MS * 2);
    expect(sent).toHaveLength(2); // the expiry was cancelled by the false
  });

  it('the latest state within the interval wins: a false then a true again tells nothing more', () => {
    const { t, sent } = typing();
    t.set('room', 'eve', true);
    jest.advanceTimersByTime(100);
    t.set('room', 'eve', false);
    jest.advanceTimersByTime(100);
    t.set('room', 'eve', true);
    jest.advanceTimersByTime(INTERVAL_MS);
    expect(sent).toEqual(['room eve:true @0']);
  });

  it('a true just after a told false waits for the end of that false’s interval', () => {
    const { t, sent } = typing();
    t.set('room', 'eve', true);
    jest.advanceTimersByTime(2_500);
    t.set('room', 'eve', false); // past the interval: told at once
    jest.advanceTimersByTime(500);
    t.set('room', 'eve', true);
    expect(sent).toEqual(['room eve:true @0', 'room eve:false @2500']);
    jest.advanceTimersByTime(INTERVAL_MS - 500);
    expect(sent).toEqual(['room eve:true @0', 'room eve:false @2500', 'room eve:true @4500']);
  });

  it('a false from a member never told typing tells nothing', () => {
    const { t, sent } = typing();
    t.set('room', 'eve', false);
    jest.advanceTimersByTime(EXPIRY_MS * 2);
    expect(sent).toEqual([]);
  });

  it('members and rooms are throttled apart', () => {
    const { t, sent } = typing();
    t.set('room', 'eve', true);
    t.set('room', 'frank', true);
    t.set('other', 'eve', true);
    expect(sent).toEqual(['room eve:true @0', 'room frank:true @0', 'other eve:true @0']);
  });

  it('after stop() nothing more is told', () => {
    const { t, sent } = typing();
    t.set('room', 'eve', true);
    t.set('room', 'frank', true);
    jest.advanceTimersByTime(100);
    t.set('room', 'frank', false); // would be told at the end of the interval
    t.stop();
    jest.advanceTimersByTime(EXPIRY_MS * 2);
    expect(sent).toEqual(['room eve:true @0', 'room frank:true @0']);
  });
});

describe('typing told by another instance', () => {
  const BACKSTOP_MS = EXPIRY_MS + INTERVAL_MS + 1_000;

  it('is shown as told, and never sent on again', () => {
    const { t, sent, shown } = typing();
    t.received('room', 'gina', true);
    jest.advanceTimersByTime(1_000);
    t.received('room', 'gina', false);
    expect(shown).toEqual(['room gina:true @0', 'room gina:false @1000']);
    expect(sent).toEqual([]);
  });

  it('a true whose false never comes (its instance died) ends after the expiry, an interval and a second', () => {
    const { t, shown } = typing();
    t.received('room', 'gina', true);
    jest.advanceTimersByTime(BACKSTOP_MS - 1);
    expect(shown).toEqual(['room gina:true @0']);
    jest.advanceTimersByTime(1);
    expect(shown).toEqual(['room gina:true @0', `room gina:false @${BACKSTOP_MS}`]);
  });

  it('a repeated true pushes the backstop back', () => {
    const { t, shown } = typing();
    t.received('room', 'gina', true);
    jest.advanceTimersByTime(6_000);
    t.received('room', 'gina', true);
    jest.advanceTimersByTime(BACKSTOP_MS - 1);
    expect(shown).toEqual(['room gina:true @0', 'room gina:true @6000']);
    jest.advanceTimersByTime(1);
    expect(shown.at(-1)).toBe(`room gina:false @${6_000 + BACKSTOP_MS}`);
  });

  it('a false after the backstop ended it, or for a member never shown, is not shown again', () => {
    const { t, shown } = typing();
    t.received('room', 'gina', true);
    jest.advanceTimersByTime(BACKSTOP_MS);
    t.received('room', 'gina', false);
    t.received('room', 'hugo', false);
    expect(shown).toEqual(['room gina:true @0', `room gina:false @${BACKSTOP_MS}`]);
  });

  it('after stop() the backstop shows nothing', () => {
    const { t, shown } = typing();
    t.received('room', 'gina', true);
    t.stop();
    jest.advanceTimersByTime(BACKSTOP_MS * 2);
    expect(shown).toEqual(['room gina:true @0']);
  });
});
