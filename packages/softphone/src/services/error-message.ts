/**
 * What to tell the person about a failure: an Error's message, or the thrown value itself,
 * as a sentence (the gateway's API messages are lower-case fragments like "sign in first").
 */
export function errorMessage(error: unknown): string {
  return sentence(error instanceof Error ? error.message : String(error));
}

/** Capital first letter and a full stop. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return trimmed;
  const capitalised = trimmed[0]!.toUpperCase() + trimmed.slice(1);
  return /[.!?…]$/.test(capitalised) ? capitalised : `${capitalised}.`;
}
