// CSV export of the numbers behind a chart. UTF-8 with a byte-order mark, because Excel opens a BOM-less UTF-8
// file in the system code page and shows Chinese headers as mojibake; CRLF line ends (RFC 4180, and what
// Excel writes itself). Pure: the view turns the text into a Blob and a download.

export const UTF8_BOM = '\uFEFF';

export type CsvCell = string | number | null | undefined;

/** Quotes a cell when it holds a separator, a quote or a line break; numbers are written exactly. */
export function csvCell(v: CsvCell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  // A leading =, +, - or @ makes Excel evaluate the cell as a formula (CSV injection); a quote-prefixed
  // tab-free apostrophe keeps it text. Addresses and summaries come from outside producers.
  const s = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A whole table: the header row, then one row per record; BOM first. */
export function toCsv(headers: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  const lines = [headers.map(csvCell).join(',')];
  for (const r of rows) lines.push(r.map(csvCell).join(','));
  return `${UTF8_BOM}${lines.join('\r\n')}\r\n`;
}

/** A file name safe on every desktop: the chart's key and the range, no characters Windows refuses. */
export function csvFileName(base: string, from: string, to: string): string {
  return `${base}_${from}_${to}.csv`.replace(/[\\/:*?"<>|\s]+/g, '-');
}
