/**
 * Today's projects (issue #36, first part): a project that pins a Django the machine's Python does
 * not have is rehearsed on that real Django, from the store scripts/setup.sh fetched from Debian
 * (scripts/python-store.sh). The catalogue fixture pins Django==5.2.* and uses Django 4.1's
 * violation_error_message and Django 5.0's db_default, which Django 3.2 cannot even import.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plan, run } from '../../src/main/engine/engine';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { storeDists } from '../../src/main/hosts/simulated/python-store';
import { previewPins } from '../../src/main/hosts/simulated/python';
import { main } from '../../src/main/cli/cli';
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

describe('--sim-lenient-packages: the nearest version there is, listed first', () => {
  const dist = (v: string) => storeDists().some((d) => d.name === 'Django' && d.version === v);
  beforeAll(() => {
    if (!['4.2.28', '5.2.18', '6.1.1'].every(dist)) throw new Error('The store of real packages is missing or differs: run bash scripts/python-store.sh (scripts/setup.sh does).');
  });

  it('the same major.minor first, then the same major, then any; a distribution with no version at all is named', async () => {
    const near = async (line: string) => (await previewPins('3.12.10', [line], true)).join('\n');
    expect(await near('Django==5.2.99')).toBe("Django==5.2.99 → Django 5.2.18 (real, Debian's python3-django=3:5.2.18-2; the same major.minor)");
    expect(await near('Django==5.1.15')).toMatch(/^Django==5\.1\.15 → Django 5\.2\.18 \(real, .*; the same major version\)$/);
    expect(await near('Django==4.1.13')).toMatch(/^Django==4\.1\.13 → Django 4\.2\.28 .*the same major version\)$/);
    expect(await near('Django==7.0')).toMatch(/^Django==7\.0 → Django 6\.1\.1 .*another major version\)$/);
    expect(await near('django-crispy-forms==2.3')).toContain('django-crispy-forms==2.3 → nothing: the rehearsal has no version of django-crispy-forms');
    // What the rehearsal has as pinned is not listed.
    expect(await previewPins('3.12.10', ['Django==5.2.*', 'wfastcgi'], true)).toEqual([]);
  });

  it('rehearse --project: the substitutions before the run, the run succeeds on the versions listed, the report lists them first; without the flag the run stops at pip', async () => {
    const proj = tmp('lenient-project-');
    cpSync(CATALOGUE, proj, { recursive: true });
    writeFileSync(path.join(proj, 'requirements.txt'), 'Django==5.1.15\ndjango-crispy-forms==2.3\n');
    const keep = tmp('lenient-server-');
    const keep2 = tmp('strict-server-');
    try {
      const out: string[] = [];
      const code = await main(['rehearse', '--project', proj, '--keep', keep, '--sim-lenient-packages'], { out: (x) => out.push(x), err: (x) => out.push(x) });
      const text = out.join('\n');
      expect(code, text).toBe(0);
      const top = text.slice(0, text.indexOf('The project:'));
      expect(top).toContain('--sim-lenient-packages: the rehearsal does not run what the project pins here');
      expect(top).toMatch(/- Django==5\.1\.15 → Django 5\.2\.18 \(real, Debian's python3-django=[^;]+; the same major version\)/);
      expect(top).toContain('- django-crispy-forms==2.3 → nothing: the rehearsal has no version of django-crispy-forms');
      // The project's environment-driven SECRET_KEY: the tool made one (no 500 for an empty key).
      expect(text).toContain('secretKey from the environment variable CATALOGUE_SECRET_KEY');
      const simulated = text.slice(text.indexOf('Simulated in this rehearsal (not real):')).split('\n').filter((l) => l.startsWith('  - '));
      expect(simulated[1]).toMatch(/^ {2}- --sim-lenient-packages ran another version than pinned: (Django==5\.1\.15|django-crispy-forms==2\.3)/);
      expect(simulated[2]).toMatch(/^ {2}- --sim-lenient-packages ran another version than pinned: (Django==5\.1\.15|django-crispy-forms==2\.3)/);
      expect(text).toContain('Second run: succeeded, 0 change(s)');
      // Without the flag: the same list before the run, then pip's own refusal.
      const out2: string[] = [];
      expect(await main(['rehearse', '--project', proj, '--keep', keep2], { out: (x) => out2.push(x), err: (x) => out2.push(x) })).toBe(1);
      const text2 = out2.join('\n');
      expect(text2.slice(0, text2.indexOf('The project:'))).toContain('The rehearsal has no version of these pins');
      expect(text2).toContain('No matching distribution found for Django');
    } finally {
      for (const d of [proj, keep, keep2]) rmSync(d, { recursive: true, force: true });
    }
  }, 600_000);
});

describe('migrations on real Django 5.2 (#33): db_default is what makes a NOT NULL column additive', () => {
  const addMigration = (h: SimulatedHost, field: string) => {
    const drop = h.server.toReal('C:\\drop\\catalogue');
    const models = path.join(drop, 'books', 'models.py');
    writeFileSync(models, readFileSync(models, 'utf8').replace('    added = models.DateTimeField(db_default=Now())', `    added = models.DateTimeField(db_default=Now())\n    shelf = ${field}`));
    writeFileSync(path.join(drop, 'books', 'migrations', '0002_book_shelf.py'), `from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('books', '0001_initial')]\n    operations = [migrations.AddField(model_name='book', name='shelf', field=${field})]\n`);
  };

  it('a NOT NULL column with db_default runs while release 1 serves; without it the update stops and the advice names db_default', async () => {
    const h = serverWithCatalogue();
    const c = catalogueConfig();
    expect((await run(c, h)).outcome).toBe('succeeded');
    addMigration(h, "models.CharField(max_length=20, default='A')");
    const stopped = (await plan(c, h)).steps.find((s) => s.id === 'migrate')?.problem;
    expect(stopped?.what).toContain("books.0002_book_shelf: breaks the older release's writes (AddField book.shelf: NOT NULL without a database default (default= is Python-side only)");
    expect(stopped?.fix).toMatch(/give the new field a database default \(Django 5\.2\.\d+ has db_default/);
    await expect(run(c, h)).rejects.toThrow(/would break release 1/);
    addMigration(h, "models.CharField(max_length=20, default='A', db_default='A')");
    const r = await run(c, h);
    expect(r.outcome, JSON.stringify(r.problems)).toBe('succeeded');
    const reg = await (await import('../../src/main/engine/release/registry')).readRegistry(h, 'catalogue');
    expect(reg?.releases.find((x) => x.state === 'live')?.migrationVerdicts?.[0]).toMatchObject({ migration: 'books.0002_book_shelf', verdict: 'additive', operations: [{ reason: 'AddField book.shelf: a database default (db_default)' }] });
  }, 600_000);
});
