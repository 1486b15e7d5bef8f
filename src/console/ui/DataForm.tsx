import { useState } from 'preact/hooks';
import type { DataRep } from '../../client';
import { useConsole } from './context';
import { Field } from './Field';
import { fieldErrors } from './problem';

interface Props {
  /** What the data belongs to: a chat (of a campaign) or the campaign itself. */
  campaign: string;
  chat?: string;
  onDone(data?: DataRep): void;
}

/** Adds a data (context and an image URL) to a chat or a campaign. */
export function DataForm({ campaign, chat, onDone }: Props) {
  const { client, report } = useConsole();
  const [context, setContext] = useState('');
  const [image, setImage] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string>();

  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      onDone(await client.datas.create({ context, image, campaign, chat: chat ?? null }));
    } catch (err) {
      setErrors(fieldErrors(err) ?? {});
      setProblem(report(err));
    }
  };

  return (
    <form
      class="panel data-form"
      aria-label={chat ? 'New data for this chat' : 'New data for the campaign'}
      onSubmit={submit}
      noValidate
    >
      <Field label="Context" value={context} onInput={setContext} error={errors.context} multiline />
      <Field label="Image URL" value={image} onInput={setImage} error={errors.image} />
      {problem && <p role="alert">{problem}</p>}
      <div class="buttons">
        <button type="submit">Save data</button>
        <button type="button" onClick={() => onDone()}>
          Cancel
        </button>
      </div>
    </form>
  );
}
