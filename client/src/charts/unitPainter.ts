// The wall's unit layer, drawn on a canvas of its own instead of as ECharts scatter series (issue 12: 20,000
// points within a 16 ms update). ECharts' large mode still walks its whole data pipeline on every setOption (data
// storage, layout, one path per layer): ~25 ms for 20,000 points here, more than the whole frame. Units are silent
// dots, never hovered or animated, so nothing of that pipeline is needed: one pass over the units projects each
// into its layer's pixel buffer (the geo view is a scale and an offset per axis, read from the chart that lays out
// the map), and each layer is stamped in z order from a sprite of its symbol into one ImageData, put on the canvas
// once. Canvas calls per point are what costs on a wall PC without GPU rasterisation (measured in headless
// Chromium for 20,000 12-px squares: drawImage 142 ms, fillRect 17 ms, one path of rects 42 ms, pixel stamping
// with one putImageData 4 ms). Opaque sprite pixels are copied, edge and dimmed ones blended. Buffers are kept
// between flushes, so a flush allocates nothing. Same shapes, sizes, colours and z order as the ECharts layers
// (charts/map.ts unitLayer).
import type { FramePosition, LiveUnit, UnitKind } from '@ccr/shared';
import { KIND_SYMBOLS, KIND_SYMBOL_SIZE, MAP_UNIT_KINDS, UNIT_CLASS_COLORS, UNIT_COLOR_CLASSES, type KindSymbol, type MapUnitKind, type UnitColorClass } from './palette';
import { MAX_UNITS_PER_SERIES } from './map';

/** Pixel (CSS px of the map box) of a point: x = ax·lng + bx, y = ay·lat + by. ECharts' geo projection is linear
 *  in each axis (no `projection` option), so two points read from the chart give the whole view. */
export interface GeoView { ax: number; bx: number; ay: number; by: number }

/** The view from a chart's own convertToPixel at two points of the map. */
export function geoViewFrom(toPixel: (p: [number, number]) => number[] | undefined, a: [number, number], b: [number, number]): GeoView | null {
  const pa = toPixel(a);
  const pb = toPixel(b);
  if (!pa || !pb || a[0] === b[0] || a[1] === b[1]) return null;
  const ax = (pb[0]! - pa[0]!) / (b[0] - a[0]);
  const ay = (pb[1]! - pa[1]!) / (b[1] - a[1]);
  if (!Number.isFinite(ax) || !Number.isFinite(ay)) return null;
  return { ax, bx: pa[0]! - ax * a[0], ay, by: pa[1]! - ay * a[1] };
}

const CLASS_INDEX: Record<UnitColorClass, number> = { available: 0, busy: 1, off_duty: 2, stale: 3 };
const KIND_INDEX = new Map<UnitKind, number>(MAP_UNIT_KINDS.map((k, i) => [k, i]));
const LAYERS = MAP_UNIT_KINDS.length * UNIT_COLOR_CLASSES.length;
const layerOf = (kindIndex: number, cls: number): number => cls * MAP_UNIT_KINDS.length + kindIndex;
/** Dim classes first, then busy, then available on top (the ECharts layers' z 11 / 13 / 14). */
const DRAW_ORDER: number[] = [3, 2, 1, 0].flatMap((cls) => MAP_UNIT_KINDS.map((_, k) => layerOf(k, cls)));

const classIndex = (u: Pick<LiveUnit, 'status' | 'stale'>): number =>
  u.stale ? 3 : u.status === 'available' ? 0 : u.status === 'off_duty' ? 2 : 1;

/** A symbol as ECharts draws its built-ins (circle, rect, triangle, diamond) in a size × size box. */
function tracePath(ctx: CanvasRenderingContext2D, symbol: KindSymbol['symbol'], x: number, y: number, size: number): void {
  const h = size / 2;
  ctx.beginPath();
  switch (symbol) {
    case 'circle': ctx.arc(x, y, h, 0, Math.PI * 2); break;
    case 'triangle': ctx.moveTo(x, y - h); ctx.lineTo(x + h, y + h); ctx.lineTo(x - h, y + h); ctx.closePath(); break;
    case 'diamond': ctx.moveTo(x, y - h); ctx.lineTo(x + h, y); ctx.lineTo(x, y + h); ctx.lineTo(x - h, y); ctx.closePath(); break;
    default: ctx.rect(x - h, y - h, size, size);
  }
}

/** A symbol rasterised once: its pixels as offsets from the top-left corner, opaque ones apart from the rest. */
interface Sprite {
  side: number;
  half: number;
  /** Opaque pixels: dx, dy and the RGBA word (ImageData's byte order, read through a Uint32Array). */
  solid: Int32Array; solidWords: Uint32Array;
  /** Edge and translucent pixels: dx, dy, and straight (not premultiplied) r, g, b, a. */
  soft: Int32Array; softRgba: Uint8ClampedArray;
}

function makeSprite(kind: MapUnitKind, cls: UnitColorClass, ratio: number): Sprite {
  const { symbol, hollow } = KIND_SYMBOLS[kind];
  const size = KIND_SYMBOL_SIZE[kind] * ratio;
  const pad = Math.ceil(2 * ratio) + 1;
  const side = Math.ceil(size) + 2 * pad;
  const image = document.createElement('canvas');
  image.width = side;
  image.height = side;
  const ctx = image.getContext('2d')!;
  const color = UNIT_CLASS_COLORS[cls];
  ctx.globalAlpha = cls === 'off_duty' || cls === 'stale' ? 0.7 : 1;
  tracePath(ctx, symbol, side / 2, side / 2, size);
  if (hollow) {
    // ECharts strokes a hollow symbol's border centred on its outline (borderWidth 2.5).
    ctx.lineWidth = 2.5 * ratio;
    ctx.strokeStyle = color;
    ctx.stroke();
  } else {
    ctx.fillStyle = color;
    ctx.fill();
  }
  const px = ctx.getImageData(0, 0, side, side);
  const words = new Uint32Array(px.data.buffer);
  const solid: number[] = [], solidWords: number[] = [], soft: number[] = [], softRgba: number[] = [];
  for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
    const i = y * side + x;
    const a = px.data[4 * i + 3]!;
    if (a === 0) continue;
    if (a === 255) { solid.push(x, y); solidWords.push(words[i]!); }
    else { soft.push(x, y); softRgba.push(px.data[4 * i]!, px.data[4 * i + 1]!, px.data[4 * i + 2]!, a); }
  }
  return { side, half: side / 2, solid: Int32Array.from(solid), solidWords: Uint32Array.from(solidWords), soft: Int32Array.from(soft), softRgba: Uint8ClampedArray.from(softRgba) };
}

/** Stamps a sprite with its top-left corner at (x0, y0) into an RGBA buffer of width w, height h. */
function stamp(sp: Sprite, x0: number, y0: number, words: Uint32Array, bytes: Uint8ClampedArray, w: number, h: number): void {
  const inside = x0 >= 0 && y0 >= 0 && x0 + sp.side <= w && y0 + sp.side <= h;
  const { solid, solidWords, soft, softRgba } = sp;
  for (let j = 0, k = 0; j < solid.length; j += 2, k++) {
    const x = x0 + solid[j]!, y = y0 + solid[j + 1]!;
    if (!inside && (x < 0 || y < 0 || x >= w || y >= h)) continue;
    words[y * w + x] = solidWords[k]!;
  }
  for (let j = 0, k = 0; j < soft.length; j += 2, k += 4) {
    const x = x0 + soft[j]!, y = y0 + soft[j + 1]!;
    if (!inside && (x < 0 || y < 0 || x >= w || y >= h)) continue;
    // Source over, straight alpha: out = src·sa + dst·da·(1 − sa), divided by the result's alpha.
    const o = 4 * (y * w + x);
    const sa = softRgba[k + 3]! / 255;
    const da = (bytes[o + 3]! / 255) * (1 - sa);
    const oa = sa + da;
    bytes[o] = (softRgba[k]! * sa + bytes[o]! * da) / oa;
    bytes[o + 1] = (softRgba[k + 1]! * sa + bytes[o + 1]! * da) / oa;
    bytes[o + 2] = (softRgba[k + 2]! * sa + bytes[o + 2]! * da) / oa;
    bytes[o + 3] = oa * 255;
  }
}

/** A pixel box [x0, x1) × [y0, y1). */
interface Box { x0: number; y0: number; x1: number; y1: number }
/** The widest sprite (CSS px) with its padding: a point's pixels lie within this of it. */
const MAX_SPRITE_SIDE = Math.max(...Object.values(KIND_SYMBOL_SIZE)) + 6;

function clampBox(x0: number, y0: number, x1: number, y1: number, w: number, h: number): Box {
  if (!(x1 >= x0) || !(y1 >= y0)) return { x0: 0, y0: 0, x1: 0, y1: 0 };
  return { x0: Math.max(0, Math.floor(x0)), y0: Math.max(0, Math.floor(y0)), x1: Math.min(w, Math.ceil(x1)), y1: Math.min(h, Math.ceil(y1)) };
}
function joinBoxes(a: Box, b: Box): Box {
  if (a.x1 <= a.x0 || a.y1 <= a.y0) return b;
  if (b.x1 <= b.x0 || b.y1 <= b.y0) return a;
  return { x0: Math.min(a.x0, b.x0), y0: Math.min(a.y0, b.y0), x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1) };
}

export class UnitPainter {
  /** Per layer: device-pixel x, y pairs of its points, and how many. Grown when a layer outgrows it, never shrunk. */
  private xy: Float32Array[] = Array.from({ length: LAYERS }, () => new Float32Array(256));
  private counts = new Int32Array(LAYERS);
  private sprites: Sprite[] = [];
  private spriteRatio = 0;
  private image: ImageData | null = null;
  /** The box last drawn in (device px), to clear on the next draw. */
  private lastBox: Box | null = null;
  private words: Uint32Array = new Uint32Array(0);

  constructor(private readonly canvas: HTMLCanvasElement) {}

  /**
   * Projects and draws every unit of a moving kind (emergency units stay on the base map), where it is now: its
   * latest frame position, else the one it came with. `ratio` is device pixels per CSS pixel of the map box.
   * Returns the number of units placed (those outside a focused view included).
   */
  draw(units: Iterable<LiveUnit>, positions: ReadonlyMap<string, FramePosition>, view: GeoView, ratio: number): number {
    const cssW = this.canvas.clientWidth;
    const cssH = this.canvas.clientHeight;
    const w = Math.max(1, Math.round(cssW * ratio));
    const h = Math.max(1, Math.round(cssH * ratio));
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    if (this.spriteRatio !== ratio) {
      this.sprites = [];
      for (const cls of UNIT_COLOR_CLASSES) for (const kind of MAP_UNIT_KINDS) this.sprites[layerOf(KIND_INDEX.get(kind)!, CLASS_INDEX[cls])] = makeSprite(kind, cls, ratio);
      this.spriteRatio = ratio;
    }
    // The view in device pixels.
    const ax = view.ax * ratio, bx = view.bx * ratio, ay = view.ay * ratio, by = view.by * ratio;
    const counts = this.counts;
    counts.fill(0);
    // The box the points fall in (device px): only it is cleared and put, not the whole canvas — on a wide wall
    // the map box is 3× wider than the jurisdiction, and putImageData converts every pixel it is given.
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const u of units) {
      const k = KIND_INDEX.get(u.kind);
      if (k === undefined) continue;
      let lng: number, lat: number;
      const p = positions.get(u.id);
      if (p) { lng = p[1]; lat = p[2]; }
      else if (u.position) { lng = u.position.lng; lat = u.position.lat; }
      else continue;
      const layer = layerOf(k, classIndex(u));
      const n = counts[layer]!;
      if (n >= MAX_UNITS_PER_SERIES) continue;
      let buf = this.xy[layer]!;
      if (2 * n + 2 > buf.length) {
        const grown = new Float32Array(buf.length * 2);
        grown.set(buf);
        this.xy[layer] = buf = grown;
      }
      const x = ax * lng + bx;
      const y = ay * lat + by;
      buf[2 * n] = x;
      buf[2 * n + 1] = y;
      counts[layer] = n + 1;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
    const ctx = this.canvas.getContext('2d')!;
    if (!this.image || this.image.width !== w || this.image.height !== h) {
      this.image = ctx.createImageData(w, h);
      this.words = new Uint32Array(this.image.data.buffer);
      this.lastBox = null;
    }
    const words = this.words;
    const bytes = this.image.data;
    // This draw's box (sprites reach MAX_SPRITE_SIDE around a point), joined with the last one's, whose pixels
    // must be cleared too; within the canvas.
    const box = clampBox(minX - MAX_SPRITE_SIDE * ratio, minY - MAX_SPRITE_SIDE * ratio, maxX + MAX_SPRITE_SIDE * ratio, maxY + MAX_SPRITE_SIDE * ratio, w, h);
    const dirty = this.lastBox ? joinBoxes(box, this.lastBox) : box;
    for (let y = dirty.y0; y < dirty.y1; y++) words.fill(0, y * w + dirty.x0, y * w + dirty.x1);
    this.lastBox = box;
    let placed = 0;
    for (const layer of DRAW_ORDER) {
      const n = counts[layer]!;
      placed += n;
      if (n === 0) continue;
      const sprite = this.sprites[layer]!;
      const buf = this.xy[layer]!;
      for (let i = 0; i < n; i++) {
        const x0 = Math.round(buf[2 * i]! - sprite.half);
        const y0 = Math.round(buf[2 * i + 1]! - sprite.half);
        // Off the canvas (a focused view): skipped.
        if (x0 >= w || y0 >= h || x0 + sprite.side <= 0 || y0 + sprite.side <= 0) continue;
        stamp(sprite, x0, y0, words, bytes, w, h);
      }
    }
    if (dirty.x1 > dirty.x0 && dirty.y1 > dirty.y0) ctx.putImageData(this.image, 0, 0, dirty.x0, dirty.y0, dirty.x1 - dirty.x0, dirty.y1 - dirty.y0);
    return placed;
  }

  /** Points per layer in the last draw, by kind and colour class (tests, monitoring). */
  layerCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const kind of MAP_UNIT_KINDS) for (const cls of UNIT_COLOR_CLASSES) {
      const n = this.counts[layerOf(KIND_INDEX.get(kind)!, CLASS_INDEX[cls])]!;
      if (n) out[`${kind}/${cls}`] = n;
    }
    return out;
  }
}
