import { Component } from 'preact';
import { useState } from 'preact/hooks';
import type { ChatRep, ChatStatus, Room } from '../../client';
import { useConsole } from './context';
import { DataForm } from './DataForm';
import { DataLinks } from './DataLinks';
import { fieldErrors } from './problem';

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

type Mode = 'read' | 'edit' | 'confirm-delete' | 'add-data';

/** A streamed chat's state in words, not colour only; a chat written whole says nothing. */
const STATE: Partial<Record<ChatStatus, string>> = { streaming: 'writing…', cancelled: 'stopped', failed: 'failed' };

interface Props {
  chat: ChatRep;
  /** Where Stop is sent; none yet, no Stop. */
  room?: Room;
}

/** One chat: author, time, state, message, its datas, and its actions. */
function ChatBody({ chat, room }: Props) {
  const { client, report, mayWrite } = useConsole();
  const streaming = chat.status === 'streaming';
  const [mode, setMode] = useState<Mode>('read');
  const [draft, setDraft] = useState(chat.message);
  const [problem, setProblem] = useState<string>();
  // changes arrive live through the room, like anyone else's
  const run = (action: Promise<unknown>) =>
    action.then(
      () => (setMode('read'), setProblem(undefined)),
      (err: unknown) => setProblem(fieldErrors(err)?.message ?? report(err)),
    );

  return (
    <>
      <p class="meta">
        <span class="author">{chat.author}</span> <time dateTime={chat.created_at}>{time(chat.created_at)}</time>
        {STATE[chat.status] && (
          <>
            {' '}
            <span class="state">{STATE[chat.status]}</span>
          </>
        )}
      </p>
      {mode === 'edit' ? (
        <form
          class="edit"
          aria-label="Edit message"
          onSubmit={(e) => (e.preventDefault(), run(client.chats.update(chat.id, { message: draft })))}
        >
          <textarea aria-label="Edited message" value={draft} onInput={(e) => setDraft(e.currentTarget.value)} />
          <button type="submit">Save</button>
          <button type="button" onClick={() => setMode('read')}>
            Cancel
          </button>
        </form>
      ) : (
        // growing text is not announced token by token (WritingStatus says the start and the end)
        <p class="message" aria-live={streaming ? 'off' : undefined} aria-busy={streaming ? 'true' : undefined}>
          {chat.message}
        </p>
      )}
      <DataLinks datas={chat.datas} />
      {mode === 'add-data' && <DataForm campaign={chat.campaign} chat={chat.id} onDone={() => setMode('read')} />}
      {mode === 'confirm-delete' ? (
        <p class="confirm">
          Delete this message?{' '}
          <button type="button" onClick={() => run(client.chats.delete(chat.id))}>
            Yes, delete
          </button>{' '}
          <button type="button" onClick={() => setMode('read')}>
            Keep it
          </button>
        </p>
      ) : (
        mode === 'read' && (
          <p class="actions">
            {streaming && room && mayWrite && (
              <button type="button" onClick={() => run(room.cancel(chat.id))}>
                Stop
              </button>
            )}
            {/* a streaming chat cannot be edited (409 stream_open) */}
            {!streaming && (
              <button type="button" onClick={() => (setDraft(chat.message), setMode('edit'))}>
                Edit
              </button>
            )}
            <button type="button" onClick={() => setMode('confirm-delete')}>
              Delete
            </button>
            <button type="button" onClick={() => setMode('add-data')}>
              Add data
            </button>
          </p>
        )
      )}
      {problem && <p role="alert">{problem}</p>}
    </>
  );
}

/** A chat of the list; renders again only when its chat changed (a room may hold thousands). */
export class ChatItem extends Component<Props> {
  shouldComponentUpdate(next: Props): boolean {
    return next.chat !== this.props.chat || next.room !== this.props.room;
  }
  render() {
    const { chat, room } = this.props;
    return (
      <li class={`chat ${chat.author} ${chat.status}`}>
        <ChatBody chat={chat} room={room} />
      </li>
    );
  }
}
