/**
 * A chat corpus generated inside Postgres: campaigns and chats whose text draws words from a
 * fixed vocabulary with a Zipf-like skew (a few words in most messages, a long tail of words
 * in a few hundred), so a search term has a known, realistic selectivity.
 */
import { Client } from 'pg';

// the head: frequent words of support and campaign chats, most frequent first
const HEAD = (
  'the to and you i a is it for of please thanks can my on your this that with we be have order ' +
  'help refund delivery account payment campaign message update customer support email phone price ' +
  'shipping product service today tomorrow week status issue request reply team sent check ticket ' +
  'invoice offer discount code link click sign login password report data image launch budget audience'
).split(' ');
const SYLLABLES = (
  'ka lo mi ter son vel dra pin gor lu ne quo ris tam bex fi zu cha mor wen ' +
  'ast bri cle dun eg fro gil hap ith jov kre lim nob ork pla qui rus sti tho ulv vin wy xan yel zor omb ept sau'
).split(' ');

/** A fixed permutation (7919 is prime, and prime to the lengths here): rank does not follow the alphabet. */
const scramble = (words: string[]) => words.map((_, i) => words[(i * 7919) % words.length]);

/** HEAD, then the two-syllable words and 20,000 three-syllable ones, in a fixed scrambled order (the tail). */
export function vocabulary(): string[] {
  const pairs = SYLLABLES.flatMap((a) => SYLLABLES.map((b) => a + b));
  const triples = scramble(pairs.flatMap((ab) => SYLLABLES.map((c) => ab + c))).slice(0, 20_000);
  return [...HEAD, ...scramble([...pairs, ...triples])];
}

/**
 * `count` words drawn at rank floor(V·u⁵), u uniform: about a third of draws are HEAD words
 * and a tail word near rank 7,000 turns up once in ~40,000 draws. The draws are a subquery
 * (not flattened, being volatile) correlated with `row`, so Postgres draws again for every
 * row; each word is an index lookup in `vocab` (an array subscript walks the array).
 */
const words = (size: number, count: string, row: string) =>
  `(SELECT string_agg((SELECT v.word FROM vocab v WHERE v.rank = d.r), ' ')
      FROM (SELECT 1 + floor(${size} * power(random(), 5))::int AS r
              FROM generate_series(1, ${count}) WHERE ${row} IS NOT NULL) d)`;

/**
 * Loads `campaigns` campaigns and `chats` chats (spread evenly, authors in turn, one every
 * 30 s going back in time) in batches, with the event triggers and foreign-key checks off
 * (session_replication_role = replica, which needs a superuser): the load neither fills the
 * events log nor pays for it. An aborted `signal` stops it between batches.
 */
export async function loadCorpus(
  url: string,
  {
    campaigns,
    chats,
    batch = 100_000,
    signal,
  }: { campaigns: number; chats: number; batch?: number; signal?: AbortSignal },
  log: (msg: string) => void,
): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`SET session_replication_role = replica`);
    await client.query(`SELECT setseed(0.2026)`);
    const vocab = vocabulary();
    await client.query('CREATE TEMP TABLE vocab (rank int PRIMARY KEY, word text NOT NULL)');
    await client.query('INSERT INTO vocab SELECT n, w FROM unnest($1::text[]) WITH ORDINALITY AS u(w, n)', [vocab]);
    await client.query('ANALYZE vocab');
    const n = vocab.length;
    await client.query(
      `INSERT INTO campaigns (title, description, status, created_at)
       SELECT ${words(n, '2 + g % 5', 'g')}, ${words(n, '10 + g % 30', 'g')},
              (ARRAY['pending', 'processing', 'started', 'completed'])[1 + g % 4],
              now() - g * interval '1 hour'
         FROM generate_series(1, ${campaigns}) g`,
    );
    for (let from = 1; from <= chats; from += batch) {
      signal?.throwIfAborted();
      const to = Math.min(chats, from + batch - 1);
      await client.query(
        `INSERT INTO chats (campaign_id, author, message, created_at)
         SELECT k.ids[1 + g % cardinality(k.ids)], (ARRAY['human', 'ai', 'tool'])[1 + g % 3],
                ${words(n, '3 + (g * 7) % 25', 'g')}, now() - ($3::int - g) * interval '30 seconds'
           FROM generate_series($1::int, $2::int) g, (SELECT array_agg(id ORDER BY id) AS ids FROM campaigns) k`,
        [from, to, chats],
      );
      log(`loaded ${to.toLocaleString('en')} / ${chats.toLocaleString('en')} chats`);
    }
    await client.query('VACUUM ANALYZE campaigns, chats');
  } finally {
    await client.end();
  }
}
