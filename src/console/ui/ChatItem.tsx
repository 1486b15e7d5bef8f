import { Component } from 'preact';
import { useState } from 'preact/hooks';
import type { ChatRep } from '../../client';
import { useConsole } from './context';
import { DataForm } from './DataForm';
import { DataLinks } from './DataLinks';
import { fieldErrors } from './problem';

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

type Mode = 'read' | 'edit' | 'confirm-delete' | 'add-data';

/** One chat: author, time, message, its datas, and its actions. */
function ChatBody({ chat }: { chat: ChatRep }) {
  const { client, report } = useConsole();
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
        <p class="message">{chat.message}</p>
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
            <button type="button" onClick={() => (setDraft(chat.message), setMode('edit'))}>
              Edit
            </button>
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
export class ChatItem extends Component<{ chat: ChatRep }> {
  shouldComponentUpdate(next: { chat: ChatRep }): boolean {
    return next.chat !== this.props.chat;
  }
  render() {
    const { chat } = this.props;
    return (
      <li class={`chat ${chat.author}`}>
        <ChatBody chat={chat} />
      </li>
    );
  }
}
