import { useState } from 'preact/hooks';
import { useConsole } from './context';
import { Pager } from './Pager';
import { roomHref } from './route';
import { useLoad } from './useLoad';

const PAGE_SIZE = 20;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Datas across campaigns, filtered by campaign and chat, searched by context. */
export function DataList() {
  const { client } = useConsole();
  const [search, setSearch] = useState('');
  const [campaign, setCampaign] = useState('');
  const [chat, setChat] = useState('');
  const [page, setPage] = useState(1);
  const campaigns = useLoad(() => client.campaigns.list({ page_size: 100, nested: false }), [client]);
  const chatId = chat.trim();
  const list = useLoad(
    () =>
      client.datas.list({
        search: search.trim() || undefined,
        campaign: campaign || undefined,
        chat: UUID.test(chatId) ? chatId : undefined,
        page,
        page_size: PAGE_SIZE,
      }),
    [client, search, campaign, chatId, page],
    search || chatId ? 250 : 0,
  );
  const titles = new Map((campaigns.value?.results ?? []).map((c) => [c.id, c.title]));
  const first =
    <T,>(set: (v: T) => void) =>
    (v: T) => (set(v), setPage(1));

  return (
    <section class="datas-page" aria-labelledby="datas-title">
      <h1 id="datas-title">Datas</h1>
      <div class="toolbar">
        <input
          type="search"
          aria-label="Search datas"
          placeholder="Search datas"
          value={search}
          onInput={(e) => first(setSearch)(e.currentTarget.value)}
        />
        <label>
          Campaign{' '}
          <select value={campaign} onChange={(e) => first(setCampaign)(e.currentTarget.value)}>
            <option value="">any</option>
            {[...titles].map(([id, title]) => (
              <option key={id} value={id}>
                {title}
              </option>
            ))}
          </select>
        </label>
        <label>
          Chat id <input type="text" value={chat} onInput={(e) => first(setChat)(e.currentTarget.value)} />
        </label>
      </div>
      {chatId && !UUID.test(chatId) && <p class="field-error">A chat id looks like 8-4-4-4-12 hex digits.</p>}
      {list.problem && <p role="alert">{list.problem}</p>}
      {list.value && <p class="count">{list.value.count === 1 ? '1 data' : `${list.value.count} datas`}</p>}
      <ul class="data-list" aria-label="Data list" aria-busy={list.loading}>
        {(list.value?.results ?? []).map((d) => (
          <li key={d.id}>
            <p>{d.context || '(no context)'}</p>
            {d.image && (
              <a href={d.image} target="_blank" rel="noopener noreferrer">
                {d.image}
              </a>
            )}
            <p class="meta">
              {d.campaign ? <a href={roomHref(d.campaign)}>{titles.get(d.campaign) ?? d.campaign}</a> : 'no campaign'}
              {d.chat && <span> · chat {d.chat}</span>}
            </p>
          </li>
        ))}
      </ul>
      <Pager label="Data pages" page={page} count={list.value?.count ?? 0} pageSize={PAGE_SIZE} onPage={setPage} />
    </section>
  );
}
