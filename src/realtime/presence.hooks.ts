import type { Presence, RoomEmit } from '../presence/presence';
import { campaignRoom, roomCampaign } from './room.names';
import type { RealtimeServer } from './socket.types';

/**
 * Presence follows room membership itself: whatever takes a socket into or out of a
 * campaign room (subscribe, unsubscribe, disconnect, a refreshed token with fewer
 * campaigns, an expired room) makes it enter or leave the room's presence.
 */
export function trackPresence(io: RealtimeServer, presence: Presence): void {
  const nsp = io.of('/');
  nsp.adapter.on('join-room', (room: string, id: string) => {
    const campaign = roomCampaign(room);
    const socket = nsp.sockets.get(id);
    if (campaign && socket) presence.entered(id, socket.data.member, campaign);
  });
  nsp.adapter.on('leave-room', (room: string, id: string) => {
    const campaign = roomCampaign(room);
    if (campaign) presence.left(id, campaign);
  });
}

/** Presence and typing events to this instance's part of a campaign room. */
export function roomEmitter(io: RealtimeServer): RoomEmit {
  return (campaign, event, payload, except) => {
    const target = io.to(campaignRoom(campaign));
    (except.length ? target.except(except) : target).emit(event, payload as never);
  };
}
