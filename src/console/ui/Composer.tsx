import { useRef, useState } from 'preact/hooks';
import type { ChatRep, Room } from '../../client';
import { useConsole } from './context';
import { fieldErrors } from './problem';

const AUTHORS: ChatRep['author'][] = ['human', 'ai', 'tool'];

/** Typing is a hint to the others: a refusal (the room reconnecting, say) changes nothing here. */
const ignore = () => undefined;

/** Writes into the room: Enter sends, Shift+Enter is a newline; a failed send keeps the text and says why. */
export function Composer({ room }: { room?: Room }) {
  const { report } = useConsole();
  const [author, setAuthor] = useState<ChatRep['author']>('human');
  const [text, setText] = useState('');
  const [error, setError] = useState<string>();
  const [problem, setProblem] = useState<string>();
  const [sending, setSending] = useState(false);
  /** Whether the others were last told this member is typing. */
  const typing = useRef(false);

  // every keystroke says "typing" (the client sends a repeat at most every 2 s); an emptied box stops it
  const tell = (now: boolean) => {
    if (!room || (!now && !typing.current)) return;
    typing.current = now;
    room.setTyping(now).catch(ignore);
  };

  const send = async () => {
    if (!room || sending) return;
    const message = text;
    setSending(true);
    try {
      await room.send({ author, message });
      // typed on while it was sending: keep what is new
      setText((now) => (now === message ? '' : now));
      tell(false);
      setError(undefined);
      setProblem(undefined);
    } catch (err) {
      const fields = fieldErrors(err);
      setError(fields?.message);
      setProblem(fields?.message ? undefined : report(err));
    } finally {
      setSending(false);
    }
  };

  return (
    <form
      class="composer"
      aria-label="Composer"
      onSubmit={(e) => (e.preventDefault(), void send())}
      aria-busy={sending}
      noValidate
    >
      <label for="author">Author</label>
      <select id="author" value={author} onChange={(e) => setAuthor(e.currentTarget.value as ChatRep['author'])}>
        {AUTHORS.map((a) => (
          <option key={a} value={a}>
            {a}
          </option>
        ))}
      </select>
      <label for="message" class="visually-hidden">
        Message
      </label>
      <textarea
        id="message"
        rows={2}
        placeholder="Message (Enter sends, Shift+Enter for a new line)"
        value={text}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={error ? 'message-error' : undefined}
        onInput={(e) => {
          setText(e.currentTarget.value);
          tell(e.currentTarget.value !== '');
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            void send();
          }
        }}
      />
      <button type="submit">Send</button>
      {error && (
        <p id="message-error" class="field-error">
          {error}
        </p>
      )}
      {problem && <p role="alert">{problem}</p>}
    </form>
  );
}
