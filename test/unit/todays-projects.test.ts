/**
 * Today's projects (issue #36, first part): a project that pins a Django the machine's Python does
 * not have is rehearsed on that real Django, from the store scripts/setup.sh fetched from Debian
 * (scripts/python-store.sh). The catalogue fixture pins Django==5.2.* and uses Django 4.1's
 * violation_error_message and Django 5.0's db_default, which Django 3.2 cannot even import.
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/main/engine/engine';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { storeDists } from '../../src/main/hosts/simulated/python-store';
import { config, tmp } from './helpers';

const CATALOGUE = path.resolve('test/fixtures/catalogue52');
const hosts: SimulatedHost[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const h of hosts) rmSync(h.server.root, { recursive: true, force: true });
});

function serverWithCatalogue(requirements?: string): SimulatedHost {
  const h = new SimulatedHost(tmp('todays-'));
  hosts.push(h);
  const drop = h.server.toReal('C:\\drop\\catalogue');
  mkdirSync(path.dirname(drop), { recursive: true });
  cpSync(CATALOGUE, drop, { recursive: true });
  if (requirements !== undefined) writeFileSync(path.join(drop, 'requirements.txt'), requirements);
  return h;
}

const catalogueConfig = () =>
  config({
    siteName: 'catalogue',
    port: 8083,
    appDir: 'C:\\apps\\catalogue',
    venvDir: 'C:\\virtualenvs\\catalogue',
    djangoProject: { folder: 'C:\\drop\\catalogue' },
    requirementsFile: 'C:\\drop\\catalogue\\requirements.txt',
    settingsModule: 'catalogue.settings',
    secretKey: { env: 'CATALOGUE_SECRET_KEY' },
    environment: { CATALOGUE_HOSTS: 'localhost,127.0.0.1' },
  });

describe('a project pinning Django 5.2 rehearses on real Django 5.2', () => {
  beforeAll(() => {
    // The store is made by scripts/setup.sh (npm test's first step in CI); without it this test cannot say anything.
    if (!storeDists().some((d) => d.name === 'Django' && d.version.startsWith('5.2.'))) throw new Error('The store of real packages is missing: run bash scripts/python-store.sh (scripts/setup.sh does).');
  });

  it('pip installs Django 5.2.x and its requirements from the store; the site serves, migrated, with its admin CSS; the notes say where Django came from', async () => {
    const h = serverWithCatalogue();
    const r = await run(catalogueConfig(), h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const page = await h.http('http://localhost:8083/', {});
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/^Catalogue: 0 books \(Django 5\.2\.\d+\)$/);
    expect(r.verification?.simulated.join('\n')).toMatch(/pip: real Django 5\.2\.\d+ from Debian \(python3-django=3:5\.2\.[^)]+\) for `Django==5\.2\.\*`: the machine's own Django 3\.2\.\d+ does not satisfy it/);
    expect(r.verification?.simulated.join('\n')).toMatch(/pip: real asgiref [\d.]+ from Debian .*a requirement of Django 5\.2/);
    const pkgs = JSON.parse((await h.exec('C:\\virtualenvs\\catalogue\\Scripts\\python.exe', ['-m', 'pip', 'list', '--format=json'])).stdout) as { name: string; version: string }[];
    expect(pkgs.find((p) => p.name === 'django')?.version).toMatch(/^5\.2\./);
    // Check-then-set: a second run finds everything done (the == wildcard pin is read as pip reads it).
    const again = await run(catalogueConfig(), h);
    expect(again.outcome, JSON.stringify(again.problems)).toBe('succeeded');
    expect(again.mutatingCommands).toBe(0);
  });

  it('a pin no store folder satisfies fails as pip would, naming it', async () => {
    const h = serverWithCatalogue('Django==5.1.15\n');
    const r = await run(catalogueConfig(), h);
    expect(r.outcome).toBe('failed');
    expect(JSON.stringify(r.problems)).toMatch(/No matching distribution found for Django/);
  });
});
