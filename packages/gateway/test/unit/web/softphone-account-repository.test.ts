import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/core/logger.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { MIGRATIONS } from '../../../src/store/migrations.ts';
import { digestHa1, SoftphoneAccountRepository } from '../../../src/store/softphone-account-repository.ts';
import { Store } from '../../../src/store/store.ts';

const logger = createLogger('silent');
const REALM = 'camgate';

describe('softphone accounts in the store', () => {
  let dataDir: string;
  let store: Store;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'camgate-accounts-'));
    store = Store.open(dataDir, logger);
  });

  afterEach(() => {
    store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps named accounts forever, next to expiring ones, and lists only live ones', () => {
    const accounts = store.softphoneAccounts;
    accounts.put({ username: 'frontdoor', realm: REALM, password: 'door-pass-1', expiresAt: null }, 10);
    accounts.create({ username: 'web-1', realm: REALM, password: 'x', expiresAt: 100 }, 10);

    expect(accounts.list(50).map((a) => [a.username, a.expiresAt])).toEqual([['frontdoor', null], ['web-1', 100]]);
    expect(accounts.list(100).map((a) => a.username)).toEqual(['frontdoor']);
    expect(accounts.deleteExpired(Number.MAX_SAFE_INTEGER)).toBe(1);
    expect(accounts.find('frontdoor', Number.MAX_SAFE_INTEGER)?.ha1).toBe(digestHa1('frontdoor', REALM, 'door-pass-1'));
  });

  it('put replaces the secret of an existing account and says whether it created one', () => {
    const accounts = store.softphoneAccounts;
    expect(accounts.put({ username: 'gate', realm: REALM, password: 'first-pass', expiresAt: null }, 1).created).toBe(true);
    const replaced = accounts.put({ username: 'gate', realm: REALM, password: 'second-pass', expiresAt: null }, 2);
    expect(replaced.created).toBe(false);
    expect(accounts.find('gate', 3)).toMatchObject({ ha1: digestHa1('gate', REALM, 'second-pass'), createdAt: 2 });
    // An expired account of the same name counts as gone: putting it creates it anew.
    accounts.create({ username: 'old', realm: REALM, password: 'x', expiresAt: 5 }, 1);
    expect(accounts.put({ username: 'old', realm: REALM, password: 'new-pass', expiresAt: null }, 6).created).toBe(true);
  });

  it('delete removes an account and reports a missing one', () => {
    const accounts = store.softphoneAccounts;
    accounts.put({ username: 'gate', realm: REALM, password: 'first-pass', expiresAt: null }, 1);
    expect(accounts.delete('gate')).toBe(true);
    expect(accounts.delete('gate')).toBe(false);
    expect(accounts.find('gate', 2)).toBeNull();
  });

  it('migration 2 keeps the accounts a version-1 database held', () => {
    store.close();
    const oldDir = mkdtempSync(join(tmpdir(), 'camgate-accounts-v1-'));
    try {
      const v1 = openDatabase(oldDir, logger, MIGRATIONS.filter((m) => m.version === 1));
      v1.prepare('INSERT INTO softphone_accounts VALUES (?, ?, ?, ?, ?)').run('web-1', REALM, digestHa1('web-1', REALM, 'pw'), 1, 1000);
      v1.close();
      const db = openDatabase(oldDir, logger);
      const accounts = new SoftphoneAccountRepository(db);
      expect(accounts.find('web-1', 999)).toMatchObject({ expiresAt: 1000, ha1: digestHa1('web-1', REALM, 'pw') });
      accounts.put({ username: 'frontdoor', realm: REALM, password: 'door-pass-1', expiresAt: null }, 2);
      expect(accounts.find('frontdoor', Number.MAX_SAFE_INTEGER)?.expiresAt).toBeNull();
      db.close();
    } finally {
      rmSync(oldDir, { recursive: true, force: true });
      store = Store.open(dataDir, logger);
    }
  });
});
