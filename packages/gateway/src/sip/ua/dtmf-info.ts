/**
 * DTMF carried in SIP INFO bodies (the de-facto formats, no RFC):
 *   application/dtmf-relay   `Signal=5\r\nDuration=160`  (Cisco; JsSIP and Linphone send it)
 *   application/dtmf         `5`                          (a bare key)
 * Signals are keys 0-9 * # A-D, or the RFC 4733 event numbers 10-15 for * # A-D that some
 * phones send instead.
 */
export type DtmfKey = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

export const DTMF_INFO_CONTENT_TYPES = ['application/dtmf-relay', 'application/dtmf'] as const;

export interface DtmfInfo {
  key: DtmfKey;
  /** Tone duration the sender reported, if it did. */
  durationMs?: number;
}

const EVENT_KEYS: Record<string, DtmfKey> = { '10': '*', '11': '#', '12': 'A', '13': 'B', '14': 'C', '15': 'D' };

function toKey(signal: string): DtmfKey | undefined {
  const s = signal.trim().toUpperCase();
  if (/^[0-9*#A-D]$/.test(s)) return s as DtmfKey;
  return EVENT_KEYS[s];
}

/**
 * Reads the key from an INFO body of the given content type (lower-case, no parameters).
 * Returns undefined for anything that is not exactly one valid key.
 */
export function parseDtmfInfo(contentType: string | undefined, body: string): DtmfInfo | undefined {
  if (contentType === 'application/dtmf') {
    const key = toKey(body);
    return key && { key };
  }
  if (contentType !== 'application/dtmf-relay') return undefined;
  let key: DtmfKey | undefined;
  let durationMs: number | undefined;
  for (const line of body.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const name = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (name === 'signal') key = toKey(value);
    else if (name === 'duration' && /^\d{1,6}$/.test(value)) durationMs = Number(value);
  }
  if (!key) return undefined;
  return durationMs === undefined ? { key } : { key, durationMs };
}
