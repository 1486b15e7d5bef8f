import { useEffect, useState } from 'preact/hooks';
import { MAX_NAME_LENGTH } from '../../client';

interface Props {
  name: string;
  onChange(name: string): void;
}

/** Who this tab is to the others in a room (open mode); applied on Enter or on leaving the box. */
export function YourName({ name, onChange }: Props) {
  const [draft, setDraft] = useState(name);
  useEffect(() => setDraft(name), [name]);
  const apply = () => {
    const next = draft.trim();
    setDraft(next);
    if (next !== name) onChange(next);
  };
  return (
    <form class="your-name" onSubmit={(e) => (e.preventDefault(), apply())}>
      <label for="your-name">Your name</label>
      <input
        id="your-name"
        type="text"
        autocomplete="nickname"
        placeholder="anonymous"
        maxLength={MAX_NAME_LENGTH}
        value={draft}
        onInput={(e) => setDraft(e.currentTarget.value)}
        onChange={apply}
      />
    </form>
  );
}
