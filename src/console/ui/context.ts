import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ChatClient } from '../../client';

export interface Console {
  client: ChatClient;
  /** Turns a failure into a sentence; a 401 also asks for a token. */
  report(err: unknown): string;
  /** Whether to offer writes the token may not make (see `mayWrite`); the server decides. */
  mayWrite: boolean;
}

export const ConsoleContext = createContext<Console | undefined>(undefined);

export function useConsole(): Console {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole outside the console');
  return value;
}
