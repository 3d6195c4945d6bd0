// The simulator reads the jurisdiction's data files itself — the same files the server runs on — and checks them
// with the shared schemas and cross-file rules (parseJurisdictionFiles), every problem named with file and path.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { JURISDICTION_FILES, parseJurisdictionFiles, type Jurisdiction, type JurisdictionFile, type JurisdictionFileText } from '@ccr/shared';
import { DEMO_JURISDICTION_DIR } from './config.js';

export class JurisdictionError extends Error {
  constructor(readonly dir: string, readonly problems: string[]) {
    super(`辖区数据无效 / invalid jurisdiction in ${dir}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'JurisdictionError';
  }
}

async function readText(dir: string, file: JurisdictionFile): Promise<JurisdictionFileText> {
  // volunteers.json is optional: absent is not an error
  if (file === 'volunteers.json' && !existsSync(join(dir, file))) return undefined;
  try {
    return { text: await readFile(join(dir, file), 'utf8') };
  } catch (err) {
    return { readError: (err as NodeJS.ErrnoException).code ?? String(err) };
  }
}

export async function loadJurisdiction(dir: string = DEMO_JURISDICTION_DIR): Promise<Jurisdiction> {
  const texts = await Promise.all(JURISDICTION_FILES.map((file) => readText(dir, file)));
  const parsed = parseJurisdictionFiles(Object.fromEntries(JURISDICTION_FILES.map((file, k) => [file, texts[k]])) as Record<JurisdictionFile, JurisdictionFileText>);
  if (!parsed.ok) throw new JurisdictionError(dir, parsed.problems);
  return parsed.jurisdiction;
}
