/** A room's presence as `user×connections`, sorted: comparable at a glance. */
export const roster = (entries: { user: string; connections: number }[]): string[] =>
  entries.map((e) => `${e.user}×${e.connections}`).sort();
