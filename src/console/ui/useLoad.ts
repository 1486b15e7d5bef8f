import { useEffect, useState } from 'preact/hooks';
import { useConsole } from './context';

export interface Loaded<T> {
  value?: T;
  problem?: string;
  loading: boolean;
  reload(): void;
}

/**
 * Loads a value whenever `deps` change (after `delayMs`, so typing in a search box asks once);
 * an answer to an older request is dropped.
 */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], delayMs = 0): Loaded<T> {
  const { report } = useConsole();
  const [value, setValue] = useState<T>();
  const [problem, setProblem] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoading(true);
    const timer = setTimeout(() => {
      load().then(
        (next) => current && (setValue(next), setProblem(undefined), setLoading(false)),
        (err: unknown) => current && (setProblem(report(err)), setLoading(false)),
      );
    }, delayMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [...deps, round]);
  return { value, problem, loading, reload: () => setRound((n) => n + 1) };
}
