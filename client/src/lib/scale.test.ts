import { describe, expect, it } from 'vitest';
import { fitAdaptive, fitScale, layoutFor, letterboxShare } from './scale';

describe('wall canvas by screen shape', () => {
  const screens: [number, number, string][] = [
    [1920, 1080, 'w16'], [3840, 2160, 'w16'], [2560, 1080, 'w16'],
    [3840, 1080, 'w32'], [7680, 2160, 'w32'], [5760, 1080, 'w48'], [7680, 1080, 'w48'],
  ];
  it.each(screens)('%i×%i fills the screen with the %s layout', (w, h, layout) => {
    const fit = fitAdaptive(w, h);
    expect(layoutFor(fit.width)).toBe(layout);
    expect(fit.height).toBe(1080);
    expect(letterboxShare(w, h, fit)).toBeLessThan(0.005);
  });

  it('grows the height for a 4:3 screen rather than letterboxing it', () => {
    const fit = fitAdaptive(1600, 1200);
    expect(fit.width).toBe(1920);
    expect(fit.height).toBe(1440);
    expect(letterboxShare(1600, 1200, fit)).toBeLessThan(0.005);
  });

  it('the fixed canvas letterboxes a 32:9 screen by half (what the wall must not do)', () => {
    expect(letterboxShare(3840, 1080, fitScale(3840, 1080))).toBeCloseTo(0.5, 2);
  });
});
