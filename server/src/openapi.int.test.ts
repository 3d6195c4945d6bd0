// /docs must document every route the app serves, with its schema: a route registered before the OpenAPI
// collector was missing from it (the auth, accounts and audit sections were empty).
import { describe, expect, it } from 'vitest';
import { useTestbed } from './testing/index.js';

const bed = useTestbed('openapi');

/** Fastify's `/api/units/:id` as OpenAPI writes it: `/api/units/{id}`. */
const openApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

interface Operation { tags?: string[]; parameters?: unknown[]; requestBody?: unknown; responses?: Record<string, unknown> }

describe('OpenAPI document', () => {
  it('holds every registered route, with its schema, under a declared tag', async () => {
    const s = await bed.server();
    const res = await fetch(`${s.url}/docs/json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, Operation>>; tags: { name: string }[] };
    const routes = s.app.auth.routes().filter((r) => r.method !== 'HEAD' && r.method !== 'OPTIONS');
    // The routes of the documentation itself and the built client's files are not API.
    const api = routes.filter((r) => r.url.startsWith('/api/') || r.url === '/metrics');
    expect(api.length).toBeGreaterThan(20);

    const missing = api.filter((r) => !doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()]).map((r) => `${r.method} ${r.url}`);
    expect(missing, 'routes missing from /docs').toEqual([]);

    const tags = new Set(doc.tags.map((t) => t.name));
    const withoutSchema: string[] = [];
    const untagged: string[] = [];
    for (const r of api) {
      const op = doc.paths[openApiPath(r.url)]![r.method.toLowerCase()]!;
      if (!op.tags?.length || op.tags.some((t) => !tags.has(t))) untagged.push(`${r.method} ${r.url} ${JSON.stringify(op.tags)}`);
      if (!op.responses || Object.keys(op.responses).every((code) => code === 'default')) withoutSchema.push(`${r.method} ${r.url}`);
    }
    expect(withoutSchema, 'routes documented without a response schema').toEqual([]);
    expect(untagged, 'routes without a tag the document declares').toEqual([]);

    // The sections that were empty are filled.
    const byTag = (tag: string) => Object.values(doc.paths).flatMap((ops) => Object.values(ops)).filter((op) => op.tags?.includes(tag));
    for (const tag of ['auth', 'accounts', 'audit']) expect(byTag(tag).length, tag).toBeGreaterThan(0);
    // The login route documents its body and the auth hook's refusals.
    const login = doc.paths['/api/auth/login']!.post!;
    expect(login.requestBody).toBeDefined();
  });
});
