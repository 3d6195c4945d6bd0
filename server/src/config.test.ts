import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('names a node by host and port by default, the same after a restart (no pid)', () => {
    expect(loadConfig({ PORT: '8123' }).nodeId).toBe(`${hostname()}-8123`);
    expect(loadConfig({ PORT: '8123', NODE_ID: 'wall-1' }).nodeId).toBe('wall-1');
  });

  it('reads the ingest settings and refuses bad ones', () => {
    expect(loadConfig({}).ingest).toEqual({ claimIdleMs: 60_000, keepEntries: 10_000, keepBytes: 16 * 1_048_576, keepMs: 24 * 3_600_000, rejectSample: 1_000 });
    expect(loadConfig({ INGEST_CLAIM_IDLE_MS: '5000', INGEST_KEEP_MB: '4' }).ingest).toMatchObject({ claimIdleMs: 5_000, keepBytes: 4 * 1_048_576 });
    expect(() => loadConfig({ INGEST_REJECT_SAMPLE: '0' })).toThrow(/INGEST_REJECT_SAMPLE/);
  });
});
