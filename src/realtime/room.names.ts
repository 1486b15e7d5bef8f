/** Socket.IO room names: one per campaign, named here only. */
export const campaignRoom = (campaignId: string): string => `campaign:${campaignId}`;

/** The campaign of a room named by campaignRoom(), or undefined for any other room. */
export const roomCampaign = (room: string): string | undefined => /^campaign:(.+)$/.exec(room)?.[1];
