import { useEffect, useState } from 'preact/hooks';
import type { DataRep, Room } from '../../client';
import { useConsole } from './context';
import { DataForm } from './DataForm';
import { DataLinks } from './DataLinks';
import { useLoad } from './useLoad';

/** The datas attached to the campaign itself (not to a chat), kept fresh by the room's data events. */
export function CampaignDatas({ campaign, room }: { campaign: string; room: Room }) {
  const { client } = useConsole();
  const [adding, setAdding] = useState(false);
  const list = useLoad(() => client.datas.list({ campaign, page_size: 100 }), [client, campaign]);
  const { reload } = list;
  useEffect(() => {
    const changed = (data: DataRep | { id: string }) => ('chat' in data && data.chat ? undefined : reload());
    room.on('data:created', changed).on('data:updated', changed).on('data:deleted', changed);
    return () => room.off('data:created', changed).off('data:updated', changed).off('data:deleted', changed);
  }, [room]);
  const datas = (list.value?.results ?? []).filter((d) => d.chat === null);

  return (
    <details class="campaign-datas">
      <summary>Campaign datas ({datas.length})</summary>
      <DataLinks datas={datas} />
      {adding ? (
        <DataForm campaign={campaign} onDone={() => (setAdding(false), reload())} />
      ) : (
        <button type="button" onClick={() => setAdding(true)}>
          Add data to the campaign
        </button>
      )}
      {list.problem && <p role="alert">{list.problem}</p>}
    </details>
  );
}
