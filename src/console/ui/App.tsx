import { useEffect, useMemo, useState } from 'preact/hooks';
import { ChatError } from '../../client';
import { CampaignList } from './CampaignList';
import { ConsoleContext, type Console } from './context';
import { DataList } from './DataList';
import { sentence } from './problem';
import { Room } from './Room';
import { useRoute } from './route';
import { makeClient, mayWrite, saveName, savedName, saveToken, savedToken } from './session';
import { TokenPrompt } from './TokenPrompt';
import { YourName } from './YourName';

/** The console: a header, the page of the current route, and the token prompt when one is needed. */
export function App() {
  const [token, setToken] = useState(savedToken);
  const [asking, setAsking] = useState(false);
  const [name, setName] = useState(savedName);
  // a new name is a new client: its connection says who it is when it connects
  const client = useMemo(() => makeClient(token, name), [token, name]);
  useEffect(() => () => client.close(), [client]);
  const route = useRoute();

  const value = useMemo<Console>(
    () => ({
      client,
      report: (err) => {
        if (err instanceof ChatError && err.status === 401) setAsking(true);
        return sentence(err);
      },
      mayWrite: mayWrite(token),
    }),
    [client, token],
  );
  const use = (next: string | undefined) => {
    saveToken(next);
    setToken(next);
    setAsking(false);
  };
  const rename = (next: string) => {
    saveName(next);
    setName(next);
  };

  return (
    <ConsoleContext.Provider value={value}>
      <header class="top">
        <nav aria-label="Sections">
          <a href="#/" aria-current={route.page !== 'datas' ? 'page' : undefined}>
            Campaigns
          </a>
          <a href="#/datas" aria-current={route.page === 'datas' ? 'page' : undefined}>
            Datas
          </a>
        </nav>
        <YourName name={name} onChange={rename} />
        <button type="button" onClick={() => setAsking(!asking)} aria-expanded={asking}>
          {token ? 'Token set' : 'Token'}
        </button>
      </header>
      {asking && <TokenPrompt hasToken={!!token} onUse={use} onCancel={() => setAsking(false)} />}
      {/* a new token or name means a new client: the page loads again through it */}
      <main key={`${token ?? ''}\n${name}`}>
        {route.page === 'room' ? (
          <Room key={route.id} id={route.id} />
        ) : route.page === 'datas' ? (
          <DataList />
        ) : (
          <CampaignList />
        )}
      </main>
    </ConsoleContext.Provider>
  );
}
