/**
 * Two outputs from one build:
 *  - dist/index.html + dist/assets/*: the camera UI page, served by the gateway at `/`;
 *  - dist/camgate.js: one self-contained ES module registering every component, for any
 *    page to embed (`<script type="module" src="http://gateway:8080/camgate.js">`).
 * The page's own script imports that same module, so both share one copy of the code.
 */
import { defineConfig } from 'vite';

const GATEWAY = process.env.CAMGATE_GATEWAY ?? 'http://localhost:8080';

export default defineConfig({
  base: './',
  build: {
    target: 'es2022',
    rollupOptions: {
      input: { index: 'index.html', camgate: 'src/camgate.ts' },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'camgate' ? 'camgate.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  server: {
    proxy: {
      '/api': GATEWAY,
      '/socket.io': { target: GATEWAY, ws: true },
      '/sip': { target: GATEWAY, ws: true },
    },
  },
});
