import { expect, it } from 'vitest';
import { MIGRATIONS } from '../../../src/store/migrations.ts';
import { digestHa1 } from '../../../src/store/softphone-account-repository.ts';
import { describeStores } from '../../support/stores.ts';

const REALM = 'camgate';

describeStores('softphone accounts in the store', (ctx) => {
  it('keeps named accounts forever, next to expiring ones, and lists only live ones', async () => {
    const accounts = ctx.store.softphoneAccounts;
    await accounts.put({ username: 'frontdoor', realm: REALM, password: 'door-pass-1', expiresAt: null }, 10);
    await accounts.create({ username: 'web-1', realm: REALM, password: 'x', expiresAt: 100 }, 10);

    expect(accounts.list(50).map((a) => [a.username, a.expiresAt])).toEqual([['frontdoor', null], ['web-1', 100]]);
    expect(accounts.list(100).map((a) => a.username)).toEqual(['frontdoor']);
    expect(await accounts.deleteExpired(Number.MAX_SAFE_INTEGER)).toBe(1);
    await ctx.reopen();
    expect(ctx.store.softphoneAccounts.find('frontdoor', Number.MAX_SAFE_INTEGER)?.ha1).toBe(digestHa1('frontdoor', REALM, 'door-pass-1'));
  });

  it('put replaces the secret of an existing account and says whether it created one', async () => {
    const accounts = ctx.store.softphoneAccounts;
    expect((await accounts.put({ username: 'gate', realm: REALM, password: 'first-pass', expiresAt: null }, 1)).created).toBe(true);
    const replaced = await accounts.put({ username: 'gate', realm: REALM, password: 'second-pass', expiresAt: null }, 2);
    expect(replaced.created).toBe(false);
    await ctx.reopen();
    expect(ctx.store.softphoneAccounts.find('gate', 3)).toMatchObject({ ha1: digestHa1('gate', REALM, 'second-pass'), createdAt: 2 });
    // An expired account of the same name counts as gone: putting it creates it anew.
    await ctx.store.softphoneAccounts.create({ username: 'old', realm: REALM, password: 'x', expiresAt: 5 }, 1);
    expect((await ctx.store.softphoneAccounts.put({ username: 'old', realm: REALM, password: 'new-pass', expiresAt: null }, 6)).created).toBe(true);
  });

  it('create refuses a name that is taken', async () => {
    await ctx.store.softphoneAccounts.create({ username: 'gate', realm: REALM, password: 'x', expiresAt: null }, 1);
    await expect(ctx.store.softphoneAccounts.create({ username: 'gate', realm: REALM, password: 'y', expiresAt: null }, 2)).rejects.toThrow(/exists/);
  });

  it('delete removes an account and reports a missing one', async () => {
    const accounts = ctx.store.softphoneAccounts;
    await accounts.put({ username: 'gate', realm: REALM, password: 'first-pass', expiresAt: null }, 1);
    expect(await accounts.delete('gate')).toBe(true);
    expect(await accounts.delete('gate')).toBe(false);
    await ctx.reopen();
    expect(ctx.store.softphoneAccounts.find('gate', 2)).toBeNull();
  });

  it('migration 2 keeps the accounts a version-1 database held', async () => {
    await ctx.emptyLocation();
    const v1 = await ctx.openDatabase(MIGRATIONS.filter((m) => m.version === 1));
    await v1.run('INSERT INTO softphone_accounts VALUES (?, ?, ?, ?, ?)', ['web-1', REALM, digestHa1('web-1', REALM, 'pw'), 1, 1000]);
    await v1.close();
    ctx.store = await ctx.open();
    const accounts = ctx.store.softphoneAccounts;
    expect(accounts.find('web-1', 999)).toMatchObject({ expiresAt: 1000, ha1: digestHa1('web-1', REALM, 'pw') });
    await accounts.put({ username: 'frontdoor', realm: REALM, password: 'door-pass-1', expiresAt: null }, 2);
    expect(accounts.find('frontdoor', Number.MAX_SAFE_INTEGER)?.expiresAt).toBeNull();
  });
});
