import { useId } from 'preact/hooks';

interface Props {
  label: string;
  value: string;
  onInput(value: string): void;
  /** The server's message for this field, shown beside it. */
  error?: string;
  multiline?: boolean;
}

/** A labelled text field with its error beside it, tied to it for screen readers. */
export function Field({ label, value, onInput, error, multiline }: Props) {
  const id = useId();
  const common = {
    id,
    value,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': error ? `${id}-error` : undefined,
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {multiline ? (
        <textarea {...common} rows={3} onInput={(e) => onInput(e.currentTarget.value)} />
      ) : (
        <input {...common} type="text" onInput={(e) => onInput(e.currentTarget.value)} />
      )}
      {error && (
        <p id={`${id}-error`} class="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
