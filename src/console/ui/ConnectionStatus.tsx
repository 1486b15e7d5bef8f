import type { RoomState } from '../../client';

const SAYS: Record<RoomState, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  recovering: 'Reconnecting…',
  closed: 'Offline',
};

/** Whether the room is following live: the page's connection `status` (WritingStatus is the other one). */
export function ConnectionStatus({ state }: { state: RoomState }) {
  return (
    <p role="status" class={`connection ${state}`}>
      {SAYS[state]}
    </p>
  );
}
