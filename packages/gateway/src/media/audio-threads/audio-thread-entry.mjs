// Worker threads do not inherit the TypeScript loader the gateway runs under (tsx): load the
// thread's TypeScript through tsx's API.
import { tsImport } from 'tsx/esm/api';

await tsImport('./audio-thread.ts', import.meta.url);
