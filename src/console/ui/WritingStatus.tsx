import { useEffect, useState } from 'preact/hooks';
import type { ChatRep, ChatStatus, Room } from '../../client';

const ENDED: Record<Exclude<ChatStatus, 'streaming'>, (author: string) => string> = {
  complete: (author) => `${author} finished writing.`,
  cancelled: (author) => `${author}'s message was stopped.`,
  failed: (author) => `${author}'s message failed.`,
};

/**
 * Tells a screen reader once that a streamed chat started ("ai is writing…") and once that it
 * ended, politely; never its text, which grows outside any live region (see ChatItem). Driven
 * by the room's events, not its chats: a delta says nothing here, and a reconnect's snapshot
 * of a stream already told is not told again. Seen on the chat itself, so only heard here.
 */
export function WritingStatus({ room }: { room?: Room }) {
  // a new node per sentence: the same sentence twice in a row (two answers finishing) is said twice
  const [said, setSaid] = useState({ n: 0, text: '' });

  useEffect(() => {
    if (!room) return;
    const open = new Set<string>();
    const say = (text: string) => setSaid((last) => ({ n: last.n + 1, text }));
    const seen = (chat: ChatRep) => {
      if (chat.status !== 'streaming') {
        if (open.delete(chat.id)) say(ENDED[chat.status](chat.author));
      } else if (!open.has(chat.id)) {
        open.add(chat.id);
        say(`${chat.author} is writing…`);
      }
    };
    const gone = ({ id }: { id: string }) => void open.delete(id);
    room.on('chat:created', seen).on('chat:updated', seen).on('chat:deleted', gone);
    return () => room.off('chat:created', seen).off('chat:updated', seen).off('chat:deleted', gone);
  }, [room]);

  return (
    <div role="status" aria-label="Writing" class="visually-hidden">
      {said.text && <p key={said.n}>{said.text}</p>}
    </div>
  );
}
