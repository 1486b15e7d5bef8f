interface Props {
  label: string;
  page: number;
  count: number;
  pageSize: number;
  onPage(page: number): void;
}

/** Previous / next through a DRF page envelope. */
export function Pager({ label, page, count, pageSize, onPage }: Props) {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  if (pages === 1) return null;
  return (
    <nav class="pager" aria-label={label}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous page
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next page
      </button>
    </nav>
  );
}
