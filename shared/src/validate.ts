// One compiled checker per schema, returning reasons a person can read. Used by ingest, sockets and loaders;
// HTTP routes use Fastify's own compilation of the same schemas.
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export type Checked<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export interface Checker<S extends TSchema> {
  check(value: unknown): value is Static<S>;
  validate(value: unknown, maxErrors?: number): Checked<Static<S>>;
}

export function compileChecker<S extends TSchema>(schema: S): Checker<S> {
  const compiled = TypeCompiler.Compile(schema);
  return {
    check: (value): value is Static<S> => compiled.Check(value),
    validate(value, maxErrors = 5) {
      if (compiled.Check(value)) return { ok: true, value };
      const errors: string[] = [];
      for (const e of compiled.Errors(value)) {
        errors.push(`${e.path || '/'}: ${e.message}`);
        if (errors.length >= maxErrors) break;
      }
      return { ok: false, errors };
    },
  };
}
