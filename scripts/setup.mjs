// Gets a checkout ready for `npm start` and `npm test`: Debian packages, node_modules, the
// mediasoup worker (built offline from Debian's libraries) and the softphone bundle.
// Idempotent. When everything is in place it prints nothing and takes well under 2 seconds.
// Plain Node without dependencies: it runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV_FILE } from './env.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE_DIR =
  process.env.CAMGATE_CACHE_DIR ||
  path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'camgate');
const LOG_DIR = path.join(CACHE_DIR, 'logs');

const DEBIAN_PACKAGES = [
  // Toolchain for the mediasoup worker and better-sqlite3 (node-gyp).
  'g++', 'make', 'python3', 'meson', 'ninja-build', 'pkg-config',
  // Libraries the mediasoup worker links against.
  'libuv1-dev', 'libssl-dev', 'libsrtp2-dev', 'libusrsctp-dev', 'libabsl-dev', 'nlohmann-json3-dev',
  // Real SIP peers, browser and audio tools the tests drive.
  'baresip-core', 'sip-tester', 'linphone-cli', 'kamailio', 'chromium', 'espeak-ng', 'sox', 'multimon-ng',
  // Live video: ffmpeg encodes the simulated scene and pulls RTSP cameras; the tests' RTSP
  // camera is gst-rtsp-server from Debian's python3 (x264enc: plugins-ugly, rtph264pay: good).
  'ffmpeg', 'python3-gi', 'gir1.2-gst-rtsp-server-1.0', 'gstreamer1.0-rtsp',
  'gstreamer1.0-plugins-base', 'gstreamer1.0-plugins-good', 'gstreamer1.0-plugins-ugly',
  // A SIP video phone for the tests: baresip's H.264 (avcodec) module.
  'baresip-ffmpeg',
  // Linphone's H.264 (its video offer in the tests).
  'mediastreamer2-plugin-openh264',
  // PostgreSQL 15 server binaries (initdb, postgres) and Redis: the shared store's and live state's
  // tests start their own servers, as does `npm run cluster` (with Kamailio, above).
  'postgresql-15', 'redis-server',
];

// One meson project per mediasoup .wrap file. Placed in subprojects/<directory of the wrap>,
// it makes meson use Debian's library instead of downloading the sources, and exports the
// variables the worker's meson.build and deps/libwebrtc/meson.build read with get_variable().
// `options` declares the options the worker passes to that subproject.
const MESON_STUBS = {
  openssl: {
    build: ["openssl_dep = dependency('openssl')", 'libcrypto_lib = []', 'libssl_lib = []'],
  },
  libuv: {
    build: ["libuv_dep = dependency('libuv')", 'libuv = []'],
    options: [
      "option('build_tests', type: 'boolean', value: false)",
      "option('build_benchmarks', type: 'boolean', value: false)",
    ],
  },
  libsrtp2: {
    // Debian installs srtp.h in /usr/include/srtp2; the worker includes <srtp.h>.
    build: [
      "srtp = dependency('libsrtp2')",
      'libsrtp2_dep = declare_dependency(dependencies: srtp,',
      "  include_directories: include_directories(srtp.get_variable(pkgconfig: 'includedir') / 'srtp2'))",
      'libsrtp2 = []',
    ],
    options: [
      "option('crypto-library', type: 'string', value: 'openssl')",
      "option('crypto-library-kdf', type: 'feature')",
      "option('tests', type: 'feature')",
    ],
  },
  usrsctp: {
    build: ["usrsctp_dep = dependency('usrsctp')", 'usrsctp = []'],
    options: ["option('sctp_build_programs', type: 'boolean', value: false)"],
  },
  nlohmann_json: {
    build: ["nlohmann_json_dep = dependency('nlohmann_json')"],
  },
  'abseil-cpp': {
    build: [
      'absl_container_dep = declare_dependency(dependencies: [',
      "  dependency('absl_btree'), dependency('absl_flat_hash_map'),",
      "  dependency('absl_flat_hash_set'), dependency('absl_inlined_vector')])",
      "absl_strings_dep = dependency('absl_strings')",
      "absl_types_dep = dependency('absl_optional')",
      'absl_container_lib = []',
    ],
  },
  // Only the worker's own unit tests use Catch2, and they are not built.
  catch2: {
    build: ['catch2_dep = declare_dependency()'],
  },
};

class SetupError extends Error {
  constructor(message, logFile) {
    super(message);
    this.logFile = logFile;
  }
}

const say = (message) => console.log(`setup: ${message}`);

/** Runs a command with its output appended to logFile; throws SetupError when it fails. */
function run(logFile, command, args, options = {}) {
  const line = [command, ...args].join(' ');
  const fd = fs.openSync(logFile, 'a');
  fs.writeSync(fd, `\n$ ${line}\n`);
  const result = spawnSync(command, args, { cwd: ROOT, ...options, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  if (result.status !== 0) {
    const why = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new SetupError(`\`${line}\` failed (${why})`, logFile);
  }
}

/** A step that does real work: one progress line, its output in a log file, its duration. */
function slowStep(message, logName, body) {
  say(message);
  const started = Date.now();
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const logFile = path.join(LOG_DIR, `${logName}.log`);
  fs.writeFileSync(logFile, '');
  body(logFile);
  say(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** mtimeMs of every file under the given paths (files or directories; missing ones skipped). */
function fileMtimes(paths) {
  const mtimes = [];
  for (const p of paths) {
    if (!fs.existsSync(p)) continue;
    const files = fs.statSync(p).isDirectory()
      ? fs.readdirSync(p, { recursive: true }).map((f) => path.join(p, f))
      : [p];
    for (const file of files) {
      const stat = fs.statSync(file);
      if (stat.isFile()) mtimes.push(stat.mtimeMs);
    }
  }
  return mtimes;
}

function ensureDebianPackages() {
  const query = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...DEBIAN_PACKAGES], {
    encoding: 'utf8',
  });
  if (query.error) {
    say(`dpkg-query not found: camgate expects Debian 12 with ${DEBIAN_PACKAGES.join(' ')}`);
    return;
  }
  // Unknown packages are reported on stderr and simply have no line here.
  const installed = new Set(
    query.stdout.split('\n').filter((l) => / \S+ ok installed$/.test(l)).map((l) => l.split(' ')[0]),
  );
  const missing = DEBIAN_PACKAGES.filter((p) => !installed.has(p));
  if (missing.length === 0) return;

  const install = ['install', '-y', '--no-install-recommends', ...missing];
  if (process.getuid() !== 0) {
    throw new SetupError(
      `missing Debian packages: ${missing.join(' ')}\nrun: sudo apt-get update && sudo apt-get ${install.join(' ')}`,
    );
  }
  slowStep(`installing Debian packages: ${missing.join(' ')}…`, 'apt-get', (log) => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run(log, 'apt-get', ['update'], { env });
    run(log, 'apt-get', install, { env });
  });
}

function ensureNodeModules() {
  // npm writes node_modules/.package-lock.json last, so it is newer than a lock it installed.
  const installedLock = path.join(ROOT, 'node_modules', '.package-lock.json');
  const [wanted] = fileMtimes([path.join(ROOT, 'package-lock.json')]);
  const [installed] = fileMtimes([installedLock]);
  if (installed !== undefined && installed >= wanted) return;

  slowStep('installing node modules (npm ci, about 2 minutes: better-sqlite3 compiles)…', 'npm-ci', (log) => {
    // mediasoup's postinstall skips its GitHub download (unreachable offline, it fails npm ci)
    // when MEDIASOUP_WORKER_BIN is set. The worker step below provides the real binary.
    const workerBin = process.env.MEDIASOUP_WORKER_BIN || path.join(CACHE_DIR, 'mediasoup-worker-pending');
    run(log, 'npm', ['ci'], { env: { ...process.env, MEDIASOUP_WORKER_BIN: workerBin } });
  });
}

/** Why `bin` cannot run a mediasoup worker, or null when it can (starts one for real, ~0.3 s). */
function workerProblem(bin, mediasoupDir) {
  try {
    fs.accessSync(bin, fs.constants.X_OK);
  } catch {
    return `${bin} is missing or not executable`;
  }
  const probe = `require(process.argv[1]).createWorker({ logLevel: 'error' })
    .then((worker) => worker.close(), (err) => { console.error(err.message); process.exitCode = 1; })`;
  const result = spawnSync(process.execPath, ['-e', probe, mediasoupDir], {
    env: { ...process.env, MEDIASOUP_WORKER_BIN: bin },
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (result.status === 0) return null;
  return `${bin} does not start a worker: ${(result.stderr || result.error?.message || '').trim()}`;
}

function buildWorker(mediasoupDir, version, target) {
  const message = `building mediasoup worker ${version} from Debian libraries (about 3 minutes, once)…`;
  slowStep(message, `mediasoup-worker-${version}`, (log) => {
    // A private copy keeps node_modules pristine and lets concurrent setups build side by side.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `camgate-mediasoup-worker-${version}-`));
    try {
      const source = path.join(mediasoupDir, 'worker');
      const src = path.join(work, 'worker');
      fs.cpSync(source, src, { recursive: true, filter: (p) => p !== path.join(source, 'out') });

      // Debian 12 has meson 1.0.1, which builds this worker fine despite its '>= 1.1.0'.
      const mesonBuild = path.join(src, 'meson.build');
      const mesonText = fs.readFileSync(mesonBuild, 'utf8');
      fs.writeFileSync(mesonBuild, mesonText.replace(/meson_version\s*:\s*'[^']*'/, "meson_version: '>= 1.0.0'"));

      const subprojects = path.join(src, 'subprojects');
      for (const wrap of fs.readdirSync(subprojects).filter((f) => f.endsWith('.wrap'))) {
        const name = path.basename(wrap, '.wrap');
        const stub = MESON_STUBS[name];
        if (!stub) continue; // wingetopt: Windows only
        const wrapText = fs.readFileSync(path.join(subprojects, wrap), 'utf8');
        const dir = path.join(subprojects, /^directory\s*=\s*(.+)$/m.exec(wrapText)[1].trim());
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, 'meson.build'), [`project('${name}')`, ...stub.build, ''].join('\n'));
        if (stub.options) fs.writeFileSync(path.join(dir, 'meson_options.txt'), [...stub.options, ''].join('\n'));
      }

      // Same flags as mediasoup's own release build; nodownload makes a missing stub fail fast.
      const setup = ['setup', '--buildtype=release', '-Db_ndebug=true', '--wrap-mode=nodownload', 'build'];
      run(log, 'meson', setup, { cwd: src });
      run(log, 'ninja', ['-C', 'build', `-j${os.availableParallelism()}`, 'mediasoup-worker'], { cwd: src });

      // Copy then rename, so the cache never holds a half-written binary.
      fs.mkdirSync(CACHE_DIR, { recursive: true });
      const partial = `${target}.${process.pid}.partial`;
      fs.copyFileSync(path.join(src, 'build', 'mediasoup-worker'), partial);
      fs.chmodSync(partial, 0o755);
      fs.renameSync(partial, target);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
}

/** Path of a working mediasoup worker binary, building and caching one if needed. */
function resolveMediasoupWorker() {
  const mediasoupDir = path.join(ROOT, 'node_modules', 'mediasoup');
  const { version } = JSON.parse(fs.readFileSync(path.join(mediasoupDir, 'package.json'), 'utf8'));

  const explicit = process.env.MEDIASOUP_WORKER_BIN;
  if (explicit) {
    const problem = workerProblem(explicit, mediasoupDir);
    if (problem) throw new SetupError(`MEDIASOUP_WORKER_BIN: ${problem}\nunset it to let setup build one`);
    return explicit;
  }

  // A worker mediasoup's postinstall fetched (machines with internet access) wins over the cache.
  const prebuilt = path.join(mediasoupDir, 'worker', 'out', 'Release', 'mediasoup-worker');
  if (fs.existsSync(prebuilt) && !workerProblem(prebuilt, mediasoupDir)) return prebuilt;

  const cached = path.join(CACHE_DIR, `mediasoup-worker-${version}`);
  if (fs.existsSync(cached)) {
    const problem = workerProblem(cached, mediasoupDir);
    if (!problem) return cached;
    say(`${problem}\nsetup: rebuilding it (Debian libraries changed?)`);
  }
  buildWorker(mediasoupDir, version, cached);
  const problem = workerProblem(cached, mediasoupDir);
  if (problem) throw new SetupError(`the freshly built worker fails: ${problem}`);
  return cached;
}

function writeEnvFile(env) {
  const text = `${JSON.stringify(env, null, 2)}\n`;
  if (fs.existsSync(ENV_FILE) && fs.readFileSync(ENV_FILE, 'utf8') === text) return;
  fs.mkdirSync(path.dirname(ENV_FILE), { recursive: true });
  fs.writeFileSync(ENV_FILE, text);
}

function ensureSoftphoneBundle() {
  const softphone = path.join(ROOT, 'packages', 'softphone');
  if (!fs.existsSync(path.join(softphone, 'vite.config.ts'))) return; // not scaffolded yet

  const built = fileMtimes([path.join(softphone, 'dist')]);
  const inputs = fileMtimes([
    ...['src', 'public', 'index.html', 'vite.config.ts', 'package.json'].map((f) => path.join(softphone, f)),
    path.join(ROOT, 'packages', 'protocol', 'src'),
    path.join(ROOT, 'package-lock.json'),
  ]);
  // Vite rewrites every file of dist, so its oldest file dates the last build.
  if (built.length > 0 && Math.max(...inputs) <= Math.min(...built)) return;

  slowStep('building the softphone bundle…', 'softphone-build', (log) =>
    run(log, 'npm', ['run', 'build', '-w', '@camgate/softphone']),
  );
}

try {
  ensureDebianPackages();
  ensureNodeModules();
  const env = { MEDIASOUP_WORKER_BIN: resolveMediasoupWorker() };
  Object.assign(process.env, env);
  writeEnvFile(env);
  ensureSoftphoneBundle();
} catch (err) {
  if (!(err instanceof SetupError)) throw err;
  if (err.logFile) {
    const lines = fs.readFileSync(err.logFile, 'utf8').trimEnd().split('\n');
    console.error(lines.slice(-40).join('\n'));
    console.error(`setup: full log: ${err.logFile}`);
  }
  console.error(`setup: ${err.message}`);
  process.exitCode = 1;
}
