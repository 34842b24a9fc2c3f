import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '@arca/contracts';
import { DomainError } from '@arca/api-core';
import type { TenantsService } from '@arca/api-tenancy';

export const DEMO_SLUG = 'demo';
export const DEMO_EMAIL = 'demo@arca.local';

export interface DemoCredentials {
  email: string;
  tenant: string;
  password: string | null;
  apiKey: string;
}

/** Creates the demo tenant once; its credentials are kept in `<dataDir>/demo-credentials.json` (0600). */
export async function ensureDemoTenant(
  tenants: TenantsService,
  dataDir: string,
): Promise<{ created: boolean; file: string; credentials: DemoCredentials | null }> {
  const file = join(dataDir, 'demo-credentials.json');
  try {
    const p = await tenants.provision({
      slug: DEMO_SLUG,
      name: 'Demo',
      ownerEmail: DEMO_EMAIL,
      ownerDisplayName: 'Demo Owner',
    });
    const credentials: DemoCredentials = {
      email: DEMO_EMAIL,
      tenant: DEMO_SLUG,
      password: p.ownerPassword,
      apiKey: p.ownerApiKey,
    };
    writeFileSync(file, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    return { created: true, file, credentials };
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCode.Conflict) {
      const credentials = existsSync(file)
        ? (JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials)
        : null;
      return { created: false, file, credentials };
    }
    throw error;
  }
}
