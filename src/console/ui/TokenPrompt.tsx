import { useState } from 'preact/hooks';

interface Props {
  hasToken: boolean;
  onUse(token: string | undefined): void;
  onCancel(): void;
}

/** Asks for the bearer token; it is kept in this tab's sessionStorage only. */
export function TokenPrompt({ hasToken, onUse, onCancel }: Props) {
  const [token, setToken] = useState('');
  return (
    <form
      class="token panel"
      aria-label="Token"
      onSubmit={(e) => {
        e.preventDefault();
        onUse(token.trim() || undefined);
      }}
    >
      <p>
        This server may require a token. Paste one (from <code>npm run token</code>); it is kept in this tab only.
      </p>
      <label for="token">Token</label>
      <input
        id="token"
        type="password"
        autocomplete="off"
        value={token}
        onInput={(e) => setToken(e.currentTarget.value)}
      />
      <div class="buttons">
        <button type="submit">Use token</button>
        {hasToken && (
          <button type="button" onClick={() => onUse(undefined)}>
            Forget token
          </button>
        )}
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
