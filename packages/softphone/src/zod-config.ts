/**
 * zod compiles faster parsers with `new Function` and probes for it the first time a schema
 * is built. A strict Content-Security-Policy (the camera UI's, or an embedding page's)
 * refuses that and reports a violation, so camgate's zod never tries. Imported first by
 * camgate.ts, before any module builds a schema.
 */
import { z } from 'zod';

z.config({ jitless: true });
