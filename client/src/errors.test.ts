// Every code the server may send has a sentence in every catalogue, naming only params the code has; a new code
// without its sentences fails here (and the zh-CN catalogue's `satisfies` fails the typecheck).
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ERROR_LABELS, paramAnnotations } from '@ccr/shared';
import { CATALOGUES, LOCALES, i18n } from './i18n';
import { refusalText, sayRefusal } from './errors';

const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
/** The catalogue's node at a dotted path (a label set is an object of labels). */
const at = (root: object, path: string): unknown => path.split('.').reduce<unknown>((n, k) => (n && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined), root);

describe('the server\'s refusal codes in the catalogues', () => {
  it('every code has a sentence in every language, and no sentence is for a code the server does not have', () => {
    expect(ERROR_CODES.length).toBeGreaterThan(50);
    for (const locale of LOCALES) {
      const errors = CATALOGUES[locale].errors as Record<string, string>;
      for (const code of ERROR_CODES) expect(errors[code], `${locale} errors.${code}`).toMatch(/\S/);
      expect(Object.keys(errors).sort(), locale).toEqual([...ERROR_CODES].sort());
    }
  });

  it('a sentence names only params its code has', () => {
    for (const locale of LOCALES) {
      const errors = CATALOGUES[locale].errors as Record<string, string>;
      for (const code of ERROR_CODES) {
        const names = Object.keys(paramAnnotations(code));
        for (const p of placeholders(errors[code]!)) expect(names, `${locale} errors.${code}: {${p}}`).toContain(p);
      }
    }
  });

  it('every label a param may need is in every catalogue', () => {
    for (const locale of LOCALES) {
      for (const [set, values] of Object.entries(ERROR_LABELS)) {
        for (const v of values) expect(i18n.global.te(`errorLabel.${set}.${v}`, locale), `${locale} errorLabel.${set}.${v}`).toBe(true);
      }
      for (const code of ERROR_CODES) {
        for (const [name, how] of Object.entries(paramAnnotations(code))) {
          // a fixed set (not one chosen by another param) must exist as a whole
          if (how.labelKey && !how.labelKey.includes('{')) expect(typeof at(CATALOGUES[locale], how.labelKey), `${locale} ${code}.${name}: ${how.labelKey}`).toBe('object');
          if (how.clockZone) expect(Object.keys(paramAnnotations(code)), `${code}.${name}`).toContain(how.clockZone);
        }
      }
    }
  });

  it('renders every code in every language with its params filled', () => {
    for (const locale of LOCALES) {
      for (const code of ERROR_CODES) {
        const params = Object.fromEntries(Object.keys(paramAnnotations(code)).map((p) => [p, p === 'until' ? 0 : `‹${p}›`]));
        const text = refusalText({ code, params: { ...params, timeZone: 'UTC' } }, locale);
        expect(text, `${locale} ${code}`).toMatch(/\S/);
        expect(text, `${locale} ${code}`).not.toMatch(/\{\w+\}/);
      }
    }
  });

  it('an unknown code is said with the server\'s English message', () => {
    expect(refusalText({ code: 'not_a_code', message: 'm' }, 'zh-CN')).toBeNull();
    expect(sayRefusal({ code: 'not_a_code', message: 'something new' }, 'en')).toBe('Refused: something new');
    expect(sayRefusal({ code: 'not_a_code' }, 'zh-CN')).toBe('请求被拒绝：not_a_code');
  });
});
