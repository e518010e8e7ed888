// Records rollup's optional platform packages in package-lock.json.
//
// The npm registry mirror this project is developed against serves only the Linux builds
// of @rollup/rollup-*, so `npm install` cannot resolve the others and leaves them out of
// the lock file — after which `npm ci` refuses to run anywhere ("Missing: … from lock
// file"). An entry with the right os/cpu/libc is all npm ci needs: it skips packages for
// other platforms without fetching them. Run `node scripts/lockOptionalPlatforms.mjs`
// after `npm install` changes the lock file.
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const packages = lock.packages;
const OS = { android: 'android', darwin: 'darwin', freebsd: 'freebsd', linux: 'linux', openbsd: 'openbsd', openharmony: 'openharmony', win32: 'win32' };
const CPU = { arm: 'arm', 'arm64': 'arm64', ia32: 'ia32', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x', x64: 'x64' };

let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (!name.startsWith('@rollup/rollup-')) continue;
    const key = `node_modules/${name}`;
    if (packages[key] !== undefined) continue;
    const [os, cpu, abi] = name.slice('@rollup/rollup-'.length).split('-');
    if (!(os in OS) || !(cpu in CPU)) throw new Error(`cannot tell the platform of ${name} (needed by ${path})`);
    packages[key] = {
      version,
      cpu: [CPU[cpu]],
      dev: entry.dev === true ? true : undefined,
      license: 'MIT',
      ...(os === 'linux' && abi !== undefined ? { libc: [abi.startsWith('musl') ? 'musl' : 'glibc'] } : {}),
      optional: true,
      os: [OS[os]],
    };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
writeFileSync(LOCK, JSON.stringify(lock, null, 2) + '\n');
process.stdout.write(`added ${added} optional platform entries\n`);
