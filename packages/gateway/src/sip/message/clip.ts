/**
 * Caller-supplied text shortened for a log line or a reason phrase: a header may carry
 * tens of kilobytes, and nothing a caller sends may blow up our logs.
 */
export function clip(text: string, max = 120): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length} chars)`;
}
