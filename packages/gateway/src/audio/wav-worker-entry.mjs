// Worker threads do not inherit the TypeScript loader the gateway runs under (tsx): load the
// worker's TypeScript through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./wav-worker.ts', import.meta.url);
