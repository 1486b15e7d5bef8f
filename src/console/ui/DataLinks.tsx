import type { DataRep } from '../../client';

/** A data as a person reads it: its context, and its image as a link (the CSP keeps other origins' images out). */
export function DataLinks({ datas }: { datas: readonly DataRep[] }) {
  if (!datas.length) return null;
  return (
    <ul class="datas" aria-label="Datas">
      {datas.map((d) => (
        <li key={d.id}>
          {d.context && <span class="context">{d.context}</span>}
          {d.image && (
            <a href={d.image} target="_blank" rel="noopener noreferrer">
              {d.context ? 'image' : d.image}
            </a>
          )}
          {!d.context && !d.image && <span class="context">(empty data)</span>}
        </li>
      ))}
    </ul>
  );
}
