// One compiled checker per schema, returning reasons a person can read. Used by ingest, sockets and loaders;
// HTTP routes use Fastify's own compilation of the same schemas.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export interface Checker<S extends TSchema> {
  check(value: unknown): value is Static<S>;
  validate(value: unknown, maxErrors?: number): Checked<Static<S>>;
}

// Compiled on first use, not at import: TypeBox compiles with `new Function`, which the client's
// Content-Security-Policy (script-src 'self') forbids, and shared modules holding checkers at top level are
// imported by the client too.
export function compileChecker<S extends TSchema>(schema: S): Checker<S> {
  let compiled: ReturnType<typeof TypeCompiler.Compile<S>> | undefined;
  const compiledOnce = () => (compiled ??= TypeCompiler.Compile(schema));
  return {
    check: (value): value is Static<S> => compiledOnce().Check(value),
    validate(value, maxErrors = 5) {
      if (compiledOnce().Check(value)) return { ok: true, value };
      const errors: string[] = [];
      for (const e of compiledOnce().Errors(value)) {
        errors.push(`${e.path || '/'}: ${e.message}`);
        if (errors.length >= maxErrors) break;
      }
      return { ok: false, errors };
    },
  };
}

// ── numbers in query strings ────────────────────────────────────────────────────────────────────────────────
// Fastify's ajv coerces query strings to the declared type: "1e309" and "Infinity" become Infinity, and ajv then
// skips minimum/maximum for a number that is not finite, so Infinity passes any bound. The keyword below is checked
// after coercion (the server registers it with its ajv; TypeBox ignores it and refuses non-finite numbers itself).

/** Name of the keyword "a finite number, not -0" (an OpenAPI extension name, so documents stay valid). */
export const FINITE_KEYWORD = 'x-finite';
type KeywordError = { keyword: string; message: string; params: Record<string, never> };
// A function keyword: ajv reads the reason from the function's own `errors` after a refusal.
function validateFinite(wanted: boolean, data: unknown): boolean {
  const ok = !wanted || (typeof data === 'number' && Number.isFinite(data) && !Object.is(data, -0));
  validateFinite.errors = ok ? undefined : [{ keyword: FINITE_KEYWORD, message: 'must be a finite number (not Infinity, NaN or -0)', params: {} }];
  return ok;
}
validateFinite.errors = undefined as KeywordError[] | undefined;
/** The keyword for ajv (`new Ajv({ keywords: [finiteKeyword] })`); a plain object, so shared needs no ajv. */
export const finiteKeyword = { keyword: FINITE_KEYWORD, schemaType: 'boolean', errors: true, validate: validateFinite } as const;

/** A whole number for a query string or path: bounded on both sides, finite, not -0. */
export function QueryInteger(opts: { minimum: number; maximum: number; default?: number; description?: string }) {
  return Type.Integer({ ...opts, [FINITE_KEYWORD]: true });
}
