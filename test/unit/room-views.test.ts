import { connectionKey, RoomViews } from '../../src/presence/room.views';

const A = 'instance-a';
const B = 'instance-b';

/** A room's presence as `user×connections`, sorted. */
const roster = (views: RoomViews, campaign: string) =>
  views
    .list(campaign)
    .map((e) => `${e.user}×${e.connections}`)
    .sort();

describe('RoomViews', () => {
  it("a member's first connection in a room is a join; a second one, anywhere, is not", () => {
    const views = new RoomViews();
    views.open('room');
    expect(views.add('room', 'erin', connectionKey(A, 's1'))).toBe(true);
    expect(views.add('room', 'erin', connectionKey(B, 's2'))).toBe(false);
    expect(views.add('room', 'frank', connectionKey(A, 's3'))).toBe(true);
    expect(roster(views, 'room')).toEqual(['erin×2', 'frank×1']);
  });

  it("only a member's last connection leaving is a leave", () => {
    const views = new RoomViews();
    views.open('room');
    views.add('room', 'erin', connectionKey(A, 's1'));
    views.add('room', 'erin', connectionKey(B, 's2'));
    expect(views.remove('room', 'erin', connectionKey(A, 's1'))).toBe(false);
    expect(roster(views, 'room')).toEqual(['erin×1']);
    expect(views.remove('room', 'erin', connectionKey(B, 's2'))).toBe(true);
    expect(roster(views, 'room')).toEqual([]);
  });

  it('a connection added twice counts once, and removing one never added is no leave', () => {
    const views = new RoomViews();
    views.open('room');
    views.add('room', 'erin', connectionKey(A, 's1'));
    expect(views.add('room', 'erin', connectionKey(A, 's1'))).toBe(false);
    expect(roster(views, 'room')).toEqual(['erin×1']);
    expect(views.remove('room', 'erin', connectionKey(A, 'other'))).toBe(false);
    expect(views.remove('room', 'nobody', connectionKey(A, 's1'))).toBe(false);
    expect(roster(views, 'room')).toEqual(['erin×1']);
  });

  it('a room this instance has no view of takes no connections and lists nobody', () => {
    const views = new RoomViews();
    expect(views.add('elsewhere', 'erin', connectionKey(A, 's1'))).toBe(false);
    expect(views.remove('elsewhere', 'erin', connectionKey(A, 's1'))).toBe(false);
    expect(views.has('elsewhere')).toBe(false);
    expect(views.list('elsewhere')).toEqual([]);
  });

  it('a closed room is forgotten, and opening one twice keeps what it holds', () => {
    const views = new RoomViews();
    views.open('one');
    views.add('one', 'erin', connectionKey(A, 's1'));
    views.open('one');
    views.open('two');
    expect(roster(views, 'one')).toEqual(['erin×1']);
    expect(views.campaigns().sort()).toEqual(['one', 'two']);
    views.close('one');
    expect(views.has('one')).toBe(false);
    expect(views.campaigns()).toEqual(['two']);
    expect(views.list('one')).toEqual([]);
  });

  it('an instance gone takes its connections out of the rooms named; only members left with none leave', () => {
    const views = new RoomViews();
    for (const room of ['one', 'two']) views.open(room);
    views.add('one', 'doomed', connectionKey(A, 's1'));
    views.add('one', 'twice', connectionKey(A, 's2'));
    views.add('one', 'twice', connectionKey(B, 's3'));
    views.add('one', 'safe', connectionKey(B, 's4'));
    views.add('two', 'doomed', connectionKey(A, 's5'));
    expect(views.dropInstance(A, ['one', 'two', 'not-open'])).toEqual([
      { kind: 'leave', campaign: 'one', member: 'doomed' },
      { kind: 'leave', campaign: 'two', member: 'doomed' },
    ]);
    expect(roster(views, 'one')).toEqual(['safe×1', 'twice×1']);
    expect(roster(views, 'two')).toEqual([]);
  });

  it('an instance whose name begins like another one’s takes only its own connections', () => {
    const views = new RoomViews();
    views.open('room');
    views.add('room', 'erin', connectionKey('a', 's1'));
    views.add('room', 'frank', connectionKey('ab', 's2'));
    expect(views.dropInstance('a', ['room'])).toEqual([{ kind: 'leave', campaign: 'room', member: 'erin' }]);
    expect(roster(views, 'room')).toEqual(['frank×1']);
  });

  it('dropping a room it was not told of changes nothing', () => {
    const views = new RoomViews();
    views.open('room');
    views.add('room', 'erin', connectionKey(A, 's1'));
    expect(views.dropInstance(A, ['other'])).toEqual([]);
    expect(roster(views, 'room')).toEqual(['erin×1']);
  });

  it('a fresh reading replaces the room, and reports the joins and leaves between the two', () => {
    const views = new RoomViews();
    views.open('room');
    views.add('room', 'stays', connectionKey(A, 's1'));
    views.add('room', 'goes', connectionKey(A, 's2'));
    const changes = views.replace('room', [
      { member: 'stays', key: connectionKey(B, 's9') },
      { member: 'comes', key: connectionKey(B, 's3') },
      { member: 'comes', key: connectionKey(A, 's4') },
    ]);
    expect(changes).toEqual([
      { kind: 'join', campaign: 'room', member: 'comes' },
      { kind: 'leave', campaign: 'room', member: 'goes' },
    ]);
    expect(roster(views, 'room')).toEqual(['comes×2', 'stays×1']);
  });

  it('a first reading of a room is all joins', () => {
    const views = new RoomViews();
    expect(views.replace('room', [{ member: 'erin', key: connectionKey(A, 's1') }])).toEqual([
      { kind: 'join', campaign: 'room', member: 'erin' },
    ]);
    expect(views.has('room')).toBe(true);
  });
});
