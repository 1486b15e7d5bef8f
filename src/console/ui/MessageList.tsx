import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { ChatRep, Room } from '../../client';
import { ChatItem } from './ChatItem';

interface Props {
  chats: readonly ChatRep[];
  /** The room the chats are in (a streaming chat's Stop). */
  room?: Room;
  hasOlder: boolean;
  loadingOlder: boolean;
  onLoadOlder(): void;
}

/** Pixels from the bottom that still count as "at the bottom" (following new and growing chats). */
const NEAR = 48;

/**
 * The room's chats, newest at the bottom. It follows new chats, and streamed ones as they grow
 * (each delta is a new `chats`), while scrolled to the bottom; scrolled up, it stays where the
 * reader is. It keeps the reading position when older ones are prepended, and loads older
 * ones when scrolled to the top (or through the button). Only loaded chats are rendered, and
 * the browser skips the layout of those off screen (content-visibility).
 */
export function MessageList({ chats, room, hasOlder, loadingOlder, onLoadOlder }: Props) {
  const scroller = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const before = useRef({ first: undefined as string | undefined, height: 0 });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (atBottom.current) el.scrollTop = el.scrollHeight;
    else if (chats[0]?.id !== before.current.first) el.scrollTop += el.scrollHeight - before.current.height;
    before.current = { first: chats[0]?.id, height: el.scrollHeight };
  }, [chats]);

  // still at the top once a page came in (a fling outran it): the next page, without another scroll
  useEffect(() => {
    const el = scroller.current;
    if (el && hasOlder && !loadingOlder && !atBottom.current && el.scrollTop < NEAR) onLoadOlder();
  }, [chats, hasOlder, loadingOlder]);

  const scrolled = () => {
    const el = scroller.current;
    if (!el) return;
    atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR;
    before.current.height = el.scrollHeight;
    if (el.scrollTop < NEAR && hasOlder && !loadingOlder) onLoadOlder();
  };

  return (
    <div class="messages" ref={scroller} onScroll={scrolled}>
      {hasOlder ? (
        <button type="button" class="older" onClick={onLoadOlder} disabled={loadingOlder}>
          {loadingOlder ? 'Loading older…' : 'Load older'}
        </button>
      ) : (
        <p class="start">{chats.length ? 'Start of the room' : 'No messages yet'}</p>
      )}
      <div role="log" aria-label="Messages">
        <ol>
          {chats.map((chat) => (
            <ChatItem key={chat.id} chat={chat} room={room} />
          ))}
        </ol>
      </div>
    </div>
  );
}
