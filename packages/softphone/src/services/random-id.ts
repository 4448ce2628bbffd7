/** A random hex id that works on plain-http pages too (crypto.randomUUID needs a secure context). */
export function randomId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
}
