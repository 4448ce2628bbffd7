import fs from 'node:fs';
import { SCRATCH_DIR } from './support/environment.ts';

/** Removes the gateway's data directory and the microphone files. */
export default function globalTeardown(): void {
  fs.rmSync(SCRATCH_DIR, { recursive: true, force: true });
}
