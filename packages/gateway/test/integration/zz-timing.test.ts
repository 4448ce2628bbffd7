import { it } from 'vitest';
import { JsSipPhone } from '/work/main/packages/gateway/test/support/jssip.ts';
import { startSipFixture } from '/work/main/packages/gateway/test/support/sip-fixture.ts';
it('timing', async () => {
  let t = Date.now(); const lap = (l: string) => { console.log(l, Date.now() - t); t = Date.now(); };
  const fx = await startSipFixture({ softphones: { alice: 'w' } }); lap('fixture');
  const phone = await JsSipPhone.start({ wsUrl: fx.wsUrl!, username: 'alice', password: 'w' }); lap('phone');
  const o = phone.call('sip:camera@127.0.0.1'); await o.confirmed; lap('confirmed');
  o.session.terminate(); await fx.calls[0]!.ended; lap('ended');
  await phone.close(); lap('phone close');
  await fx.close(); lap('fx close');
});
