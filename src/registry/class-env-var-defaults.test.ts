// A provider class's default `requiredEnvVars` (used when its row's required_env_vars is []):
// a single name given as a string is a one-element list, never split into letters; anything else
// that is not a list of env var names makes the rows relying on it unavailable, with a warning.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { envCredential, missingCredentialError } from '../credentials/env-credentials.js';
import { builtinProviderClasses } from '../providers/builtin.js';
import type { ProviderClass } from '../providers/provider-class.js';
import { defaultProviderDeps } from '../providers/shared/provider-deps.js';
import { createTestDb, type TestDb } from '../../test/helpers/test-db.js';
import { loadRegistry } from './provider-loader.js';
import type { ProviderRegistry } from './provider-registry.js';

const deps = defaultProviderDeps();
after(() => deps.dispatcher.close());

/** A user class (as a JS file in SWITCHBOARD_PROVIDERS_DIR would export it) with the given default. */
function classWith(className: string, requiredEnvVars: unknown): ProviderClass {
  const openai = builtinProviderClasses.get('OpenAIProvider') as ProviderClass;
  return { className, defaults: { requiredEnvVars } as ProviderClass['defaults'], create: (settings, providerDeps) => openai.create(settings, providerDeps) };
}

describe("a provider class's default requiredEnvVars", () => {
  let db: TestDb;
  let registry: ProviderRegistry;
  const warnings: string[] = [];

  before(async () => {
    db = await createTestDb();
    await db.exec(`
      insert into public.ai_providers (name, provider_class, api_base_url, required_env_vars) values
        ('env-string', 'StringEnvProvider', 'http://127.0.0.1:9/v1', '[]'),
        ('env-bad-default', 'BadEnvProvider', 'http://127.0.0.1:9/v1', '[]'),
        ('env-bad-default-own-list', 'BadEnvProvider', 'http://127.0.0.1:9/v1', '["OWN_KEY"]');
    `);
    const classes = new Map(builtinProviderClasses);
    classes.set('StringEnvProvider', classWith('StringEnvProvider', 'STRING_CLASS_API_KEY'));
    classes.set('BadEnvProvider', classWith('BadEnvProvider', ['NOT A NAME']));
    registry = await loadRegistry(db, 1, { classes, deps, warn: (message) => warnings.push(message) });
  });
  after(() => db.dispose());

  test('a single string is a one-element list: the key comes from that variable, and errors name it', () => {
    const entry = registry.providers.get('env-string');
    assert.equal(entry?.status, 'available', entry?.reason);
    assert.deepEqual(entry.requiredEnvVars, ['STRING_CLASS_API_KEY']);
    assert.deepEqual(envCredential({ STRING_CLASS_API_KEY: 'sk-from-env' }, entry), { apiKey: 'sk-from-env' });
    assert.equal(envCredential({ S: 'x', T: 'y' }, entry), undefined);
    assert.match(missingCredentialError(entry, false).message, /set STRING_CLASS_API_KEY\.$/);
  });

  test('a default that is not env var names makes the rows relying on it unavailable, with a warning', () => {
    const entry = registry.providers.get('env-bad-default');
    assert.equal(entry?.status, 'unavailable');
    assert.match(entry.reason ?? '', /^provider_class 'BadEnvProvider' defaults\.requiredEnvVars\.0: must be an env var name/);
    assert.ok(warnings.includes(`provider 'env-bad-default' is unavailable: ${entry.reason}`), warnings.join('\n'));
    // A row naming its own variables never reads the class default.
    const own = registry.providers.get('env-bad-default-own-list');
    assert.equal(own?.status, 'available', own?.reason);
    assert.deepEqual(own.requiredEnvVars, ['OWN_KEY']);
  });
});
