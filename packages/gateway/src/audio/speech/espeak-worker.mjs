// Worker thread that owns espeak-ng (WASM). Synthesis blocks for ~150 ms per sentence,
// which must not stall the main thread's 20 ms media clock. Plain JS so it runs under
// any loader (node, tsx, vitest). Protocol: { id, text, voice, wordsPerMinute, pitch }
// in; { id, wav } or { id, error } out.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

import ESpeakNg from 'espeak-ng';

const wasmPath = createRequire(import.meta.url).resolve('espeak-ng').replace(/espeak-ng\.js$/, 'espeak-ng.wasm');
// Compile the 18 MB module once; each request instantiates it afresh (espeak's CLI main
// runs once per instance).
const wasmModule = WebAssembly.compile(readFileSync(wasmPath));

async function synthesize({ text, voice, wordsPerMinute, pitch }) {
  const module = await wasmModule;
  const errors = [];
  const espeak = await ESpeakNg({
    // Text goes through a file, never argv, so it cannot be read as an option.
    arguments: ['-v', voice, '-s', String(wordsPerMinute), '-p', String(pitch), '-w', '/out.wav', '-f', '/in.txt'],
    preRun: [(m) => m.FS.writeFile('/in.txt', text)],
    instantiateWasm(imports, done) {
      WebAssembly.instantiate(module, imports).then((instance) => done(instance, module));
      return {};
    },
    print() {},
    printErr(line) {
      errors.push(line);
    },
  });
  try {
    return espeak.FS.readFile('/out.wav');
  } catch {
    throw new Error(errors[0] ?? 'espeak-ng produced no audio');
  }
}

parentPort.on('message', (request) => {
  synthesize(request).then(
    (wav) => parentPort.postMessage({ id: request.id, wav }, [wav.buffer]),
    (error) => parentPort.postMessage({ id: request.id, error: String(error?.message ?? error) }),
  );
});
