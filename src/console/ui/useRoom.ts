import { useEffect, useState } from 'preact/hooks';
import type { ChatRep, Room, RoomState } from '../../client';
import { useConsole } from './context';
import { PAGE_SIZE } from './session';

export interface RoomView {
  room?: Room;
  chats: readonly ChatRep[];
  state: RoomState;
  /** Whether older chats may exist (false once the start of the room is loaded). */
  hasOlder: boolean;
  loadingOlder: boolean;
  problem?: string;
  loadOlder(): void;
}

/** A live room of the client: its chats and state as component state, closed on unmount. */
export function useRoom(id: string): RoomView {
  const { client, report } = useConsole();
  const [room, setRoom] = useState<Room>();
  const [chats, setChats] = useState<readonly ChatRep[]>([]);
  const [state, setState] = useState<RoomState>('connecting');
  const [hasOlder, setHasOlder] = useState(false);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [problem, setProblem] = useState<string>();

  useEffect(() => {
    const room = client.room(id);
    setRoom(room);
    setState(room.state);
    room.on('change', setChats);
    room.on('reset', () => setChats(room.chats));
    room.on('state', (next) => {
      setState(next);
      if (next === 'live') setProblem(undefined);
    });
    room.on('error', (err) => setProblem(report(err)));
    room.loadLatest(PAGE_SIZE).then(
      (loaded) => (setChats(loaded), setHasOlder(loaded.length >= PAGE_SIZE)),
      (err: unknown) => setProblem(report(err)),
    );
    return () => room.close();
  }, [client, id]);

  const loadOlder = () => {
    if (!room || loadingOlder) return;
    setLoadingOlder(true);
    room.loadOlder(PAGE_SIZE).then(
      (more) => (setHasOlder(more), setChats(room.chats), setLoadingOlder(false)),
      (err: unknown) => (setProblem(report(err)), setLoadingOlder(false)),
    );
  };

  return { room, chats, state, hasOlder, loadingOlder, problem, loadOlder };
}
