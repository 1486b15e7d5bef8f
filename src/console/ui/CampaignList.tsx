import { useState } from 'preact/hooks';
import type { CampaignFields } from '../../client';
import { CampaignForm, STATUSES } from './CampaignForm';
import { useConsole } from './context';
import { Pager } from './Pager';
import { roomHref } from './route';
import { useLoad } from './useLoad';

const PAGE_SIZE = 20;

/** The campaigns: search, a status filter, pages, and a form for a new one. */
export function CampaignList() {
  const { client } = useConsole();
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('');
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const list = useLoad(
    () =>
      client.campaigns.list({
        search: search.trim() || undefined,
        status: status || undefined,
        page,
        page_size: PAGE_SIZE,
        nested: false,
      }),
    [client, search, status, page],
    search ? 250 : 0,
  );
  const campaigns = (list.value?.results ?? []) as CampaignFields[];

  return (
    <section class="campaigns" aria-labelledby="campaigns-title">
      <h1 id="campaigns-title">Campaigns</h1>
      <div class="toolbar">
        <input
          type="search"
          aria-label="Search campaigns"
          placeholder="Search campaigns"
          value={search}
          onInput={(e) => (setSearch(e.currentTarget.value), setPage(1))}
        />
        <label>
          Status{' '}
          <select value={status} onChange={(e) => (setStatus(e.currentTarget.value), setPage(1))}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => setCreating(true)} aria-expanded={creating}>
          New campaign
        </button>
      </div>
      {creating && (
        <CampaignForm
          onSaved={() => {
            setCreating(false);
            setPage(1);
            list.reload();
          }}
          onCancel={() => setCreating(false)}
        />
      )}
      {list.problem && <p role="alert">{list.problem}</p>}
      {list.value && (
        <p class="count" aria-live="polite">
          {list.value.count === 1 ? '1 campaign' : `${list.value.count} campaigns`}
        </p>
      )}
      <ul class="campaign-list" aria-label="Campaign list" aria-busy={list.loading}>
        {campaigns.map((c) => (
          <li key={c.id}>
            <a href={roomHref(c.id)}>{c.title}</a>
            <span class={`badge ${c.status}`}>{c.status}</span>
            {c.description && <p class="description">{c.description}</p>}
          </li>
        ))}
      </ul>
      <Pager label="Campaign pages" page={page} count={list.value?.count ?? 0} pageSize={PAGE_SIZE} onPage={setPage} />
    </section>
  );
}
