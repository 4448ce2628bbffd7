import type { DtmfSource } from '@camgate/protocol';

/** Same key from another source within this window is the same key press, seen twice. */
const CROSS_SOURCE_WINDOW_MS = 250;

/**
 * One DTMF stream per call from three sources (RFC 4733 at the RTP edge, SIP INFO, tones in
 * the audio), each key once. Phones that send RFC 4733 or INFO often leave the tones in the
 * audio too: the first out-of-band key switches in-band detection off for the call (as
 * Asterisk's "auto" DTMF mode does), and a key repeated by another source at once is dropped.
 */
export class DtmfMerger {
  #last: { key: string; source: DtmfSource; at: number } | undefined;
  #outOfBandSeen = false;

  constructor(
    private readonly now: () => number,
    private readonly onKey: (key: string, source: DtmfSource) => void,
    private readonly disableInband: () => void,
  ) {}

  push(key: string, source: DtmfSource): void {
    const at = this.now();
    if (source === 'inband' && this.#outOfBandSeen) return;
    if (source !== 'inband' && !this.#outOfBandSeen) {
      this.#outOfBandSeen = true;
      this.disableInband();
    }
    const last = this.#last;
    if (last && last.key === key && last.source !== source && at - last.at < CROSS_SOURCE_WINDOW_MS) return;
    this.#last = { key, source, at };
    this.onKey(key, source);
  }
}
