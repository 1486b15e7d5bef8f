import { useEffect, useState } from 'preact/hooks';
import type { CampaignFields } from '../../client';
import { CampaignDatas } from './CampaignDatas';
import { CampaignForm } from './CampaignForm';
import { Composer } from './Composer';
import { ConnectionStatus } from './ConnectionStatus';
import { useConsole } from './context';
import { MessageList } from './MessageList';
import { Presence } from './Presence';
import { useLoad } from './useLoad';
import { useRoom } from './useRoom';
import { WritingStatus } from './WritingStatus';

type Mode = 'view' | 'edit' | 'confirm-delete' | 'deleted';

/** A campaign's room: its chats live, a composer, and the campaign's own edit and delete. */
export function Room({ id }: { id: string }) {
  const { client, report } = useConsole();
  const view = useRoom(id);
  const loaded = useLoad(() => client.campaigns.get(id, { nested: false }), [client, id]);
  const [live, setLive] = useState<CampaignFields>();
  const [mode, setMode] = useState<Mode>('view');
  const [problem, setProblem] = useState<string>();
  const campaign: CampaignFields | undefined = live ?? loaded.value;

  useEffect(() => {
    const room = view.room;
    if (!room) return;
    const updated = (c: CampaignFields) => setLive(c);
    const deleted = () => setMode('deleted');
    room.on('campaign:updated', updated).on('campaign:deleted', deleted);
    return () => room.off('campaign:updated', updated).off('campaign:deleted', deleted);
  }, [view.room]);

  const remove = () =>
    client.campaigns.delete(id).then(
      () => (location.hash = '#/'),
      (err: unknown) => setProblem(report(err)),
    );

  return (
    <section class="room" aria-labelledby="room-title">
      <header class="room-head">
        <h1 id="room-title">{campaign?.title ?? (loaded.problem ? 'Campaign' : 'Loading…')}</h1>
        {campaign && <span class={`badge ${campaign.status}`}>{campaign.status}</span>}
        <ConnectionStatus state={view.state} />
        {campaign && mode === 'view' && (
          <span class="buttons">
            <button type="button" onClick={() => setMode('edit')}>
              Edit campaign
            </button>
            <button type="button" onClick={() => setMode('confirm-delete')}>
              Delete campaign
            </button>
          </span>
        )}
      </header>
      {campaign?.description && <p class="description">{campaign.description}</p>}
      {mode === 'edit' && campaign && (
        <CampaignForm
          campaign={campaign}
          onSaved={(c) => (setLive(c), setMode('view'))}
          onCancel={() => setMode('view')}
        />
      )}
      {mode === 'confirm-delete' && (
        <p class="confirm panel" role="group" aria-label="Confirm deletion">
          Delete “{campaign?.title}” with all its chats and datas?{' '}
          <button type="button" onClick={() => void remove()}>
            Yes, delete the campaign
          </button>{' '}
          <button type="button" onClick={() => setMode('view')}>
            Keep it
          </button>
        </p>
      )}
      {mode === 'deleted' && <p role="alert">This campaign was deleted.</p>}
      {(problem ?? loaded.problem ?? view.problem) && <p role="alert">{problem ?? loaded.problem ?? view.problem}</p>}
      {campaign && view.room && <CampaignDatas campaign={campaign.id} room={view.room} />}
      <Presence room={view.room} />
      <WritingStatus room={view.room} />
      <MessageList
        chats={view.chats}
        room={view.room}
        hasOlder={view.hasOlder}
        loadingOlder={view.loadingOlder}
        onLoadOlder={view.loadOlder}
      />
      <Composer room={view.room} />
    </section>
  );
}
