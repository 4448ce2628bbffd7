/** Random identifiers (RFC 3261 8.1.1.3-8.1.1.7, 19.3): tags, Call-IDs and branches. */
import { randomBytes } from 'node:crypto';
import { BRANCH_MAGIC_COOKIE } from './via.ts';

function random(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

/** From/To tag: "at least 32 bits of randomness" (19.3); we use 64. */
export function newTag(): string {
  return random(8);
}

/** Globally unique Call-ID (8.1.1.4). */
export function newCallId(): string {
  return random(16);
}

/** Transaction branch with the RFC 3261 magic cookie (8.1.1.7). */
export function newBranch(): string {
  return BRANCH_MAGIC_COOKIE + random(12);
}
