/** The 16 DTMF keys (ITU-T Q.23): 12 on a phone keypad plus A-D. */
export const DTMF_KEYS = ['1', '2', '3', 'A', '4', '5', '6', 'B', '7', '8', '9', 'C', '*', '0', '#', 'D'] as const;
export type DtmfKey = (typeof DTMF_KEYS)[number];

/** Q.23 row (low group) frequencies in Hz. */
export const DTMF_ROW_HZ = [697, 770, 852, 941] as const;
/** Q.23 column (high group) frequencies in Hz. */
export const DTMF_COLUMN_HZ = [1209, 1336, 1477, 1633] as const;

/** The key at a row and column of the Q.23 keypad matrix. */
export function keyAt(row: number, column: number): DtmfKey {
  return DTMF_KEYS[row * 4 + column]!;
}

/** The row and column frequencies that make up a key. */
export function keyFrequencies(key: DtmfKey): { low: number; high: number } {
  const index = DTMF_KEYS.indexOf(key);
  return { low: DTMF_ROW_HZ[index >> 2]!, high: DTMF_COLUMN_HZ[index & 3]! };
}
