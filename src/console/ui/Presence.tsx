import { useEffect, useState } from 'preact/hooks';
import type { PresenceEntry, Room } from '../../client';

/** "alice is typing…", "alice and bob are typing…", "alice, bob and carol are typing…". */
export function typingSentence(users: readonly string[]): string {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  return `${users.slice(0, -1).join(', ')} and ${users[users.length - 1]} are typing…`;
}

/** Who is in the room now, on every instance, and who of the others is typing. */
export function Presence({ room }: { room?: Room }) {
  const [members, setMembers] = useState<readonly PresenceEntry[]>([]);
  const [typing, setTyping] = useState<readonly string[]>([]);

  useEffect(() => {
    if (!room) return;
    setMembers(room.presence);
    setTyping(room.typing);
    const present = (list: readonly PresenceEntry[]) => setMembers(list);
    const typed = () => setTyping(room.typing);
    room.on('presence', present).on('typing', typed);
    return () => room.off('presence', present).off('typing', typed);
  }, [room]);

  return (
    <section class="presence" aria-label="Who is here">
      <ul>
        {members.map((m) => (
          <li key={m.user}>{m.user}</li>
        ))}
      </ul>
      <p class="typing" aria-live="polite">
        {typingSentence(typing)}
      </p>
    </section>
  );
}
