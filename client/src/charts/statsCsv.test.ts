import { describe, expect, it } from 'vitest';
import { UTF8_BOM, csvCell, csvFileName, toCsv } from './statsCsv';

describe('CSV export', () => {
  it('starts with a UTF-8 byte-order mark so Excel reads the Chinese headers', () => {
    const text = toCsv(['日期', '警情数'], [['2026-11-23', 42]]);
    expect(text.startsWith(UTF8_BOM)).toBe(true);
    const bytes = new TextEncoder().encode(text);
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(text.slice(1)).toBe('日期,警情数\r\n2026-11-23,42\r\n');
  });

  it('writes numbers exactly and leaves missing values empty', () => {
    expect(toCsv(['a', 'b', 'c', 'd'], [[0, 0.125, null, Number.NaN], [1234567, -3, undefined, 7]]).slice(1))
      .toBe('a,b,c,d\r\n0,0.125,,\r\n1234567,-3,,7\r\n');
  });

  it('quotes separators, quotes and line breaks', () => {
    expect(csvCell('胜芳镇,中山街')).toBe('"胜芳镇,中山街"');
    expect(csvCell('他说"快来"')).toBe('"他说""快来"""');
    expect(csvCell('一行\n两行')).toBe('"一行\n两行"');
    expect(csvCell('a\r\nb')).toBe('"a\r\nb"');
    expect(csvCell('plain')).toBe('plain');
  });

  it('keeps text that looks like a formula as text', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@cmd')).toBe("'@cmd");
    expect(csvCell(-5)).toBe('-5');
  });

  it('has one line per row plus the header, each with as many cells as the header', () => {
    const rows = Array.from({ length: 5 }, (_, i) => [`G0${i}`, i, `网格"${i}"`]);
    const lines = toCsv(['网格编号', '警情数', '网格'], rows).slice(1).split('\r\n');
    expect(lines).toHaveLength(7); // header + 5 rows + the empty string after the last CRLF
    expect(lines[6]).toBe('');
    expect(lines[3]).toBe('G02,2,"网格""2"""');
  });

  it('names files without characters a desktop refuses', () => {
    expect(csvFileName('daily', '2026-11-01', '2026-11-30')).toBe('daily_2026-11-01_2026-11-30.csv');
    expect(csvFileName('a/b:c', 'x y', 'z')).toBe('a-b-c_x-y_z.csv');
  });
});
