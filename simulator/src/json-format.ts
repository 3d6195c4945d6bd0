// JSON for files people read and diff: objects indented, but short objects and coordinate arrays kept on
// one line, so a 300-unit roster is 300 lines and a polygon is one line rather than a thousand.

const isNumericArray = (v: unknown): boolean =>
  Array.isArray(v) && v.every((x) => typeof x === 'number' || isNumericArray(x));

export function formatJson(value: unknown, maxInline = 160): string {
  const render = (v: unknown, indent: string): string => {
    const flat = JSON.stringify(v);
    if (v === null || typeof v !== 'object' || isNumericArray(v) || flat.length <= maxInline) return flat;
    const inner = `${indent}  `;
    if (Array.isArray(v)) return `[\n${v.map((x) => inner + render(x, inner)).join(',\n')}\n${indent}]`;
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${render(x, inner)}`).join(',\n')}\n${indent}}`;
  };
  return `${render(value, '')}\n`;
}
