/** The Local Library on a simulated server, and the versions the team sends next (releases tests). */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SimulatedHost } from '../../src/main/hosts/simulated/sim-host';
import { APPCMD, LOCAL_LIBRARY, tmp } from './helpers';

const hosts: SimulatedHost[] = [];
const dirs: string[] = [];
export async function cleanUp(): Promise<void> {
  await Promise.all(hosts.map((h) => h.dispose()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

export function serverWithLibrary(): SimulatedHost {
  const dir = tmp('releases-');
  dirs.push(dir);
  const h = new SimulatedHost(dir);
  hosts.push(h);
  const drop = h.server.toReal('C:\\drop\\locallibrary');
  mkdirSync(path.dirname(drop), { recursive: true });
  cpSync(LOCAL_LIBRARY, drop, { recursive: true });
  return h;
}

/** Changes a file of the handed-over source (C:\drop\locallibrary). */
export function editSource(h: SimulatedHost, rel: string, f: (text: string) => string): void {
  const p = path.join(h.server.toReal('C:\\drop\\locallibrary'), rel);
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, f(existsSync(p) ? readFileSync(p, 'utf8') : ''));
}

/** The team's next version: a template text changed, a page added, an additive migration (a nullable column), and a new requirement. */
export function version2(h: SimulatedHost): void {
  editSource(h, 'catalog/templates/catalog/index.html', (t) => t.replace('The library has', 'Our library holds'));
  editSource(h, 'catalog/views.py', (t) => `${t}\n\ndef about(request):\n    from django.http import HttpResponse\n    return HttpResponse('About the library, release 2')\n`);
  editSource(h, 'catalog/urls.py', (t) => t.replace("urlpatterns = [path('', views.index, name='index')]", "urlpatterns = [path('', views.index, name='index'), path('about/', views.about, name='about')]"));
  editSource(h, 'catalog/models.py', (t) => t.replace("    cover = models.FileField(upload_to='covers/', blank=True)", "    cover = models.FileField(upload_to='covers/', blank=True)\n    summary = models.TextField(blank=True, null=True)"));
  editSource(h, 'catalog/migrations/0002_book_summary.py', () => "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('catalog', '0001_initial')]\n    operations = [migrations.AddField(model_name='book', name='summary', field=models.TextField(blank=True, null=True))]\n");
  editSource(h, 'requirements.txt', (t) => `${t}waitress>=1.4\n`);
}

/** A model change and its migration (catalog/migrations/<name>.py with the given operations). */
export function migration(h: SimulatedHost, name: string, models: (t: string) => string, operations: string, depends = '0001_initial'): void {
  editSource(h, 'catalog/models.py', models);
  editSource(h, `catalog/migrations/${name}.py`, () => `from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n    dependencies = [('catalog', '${depends}')]\n    operations = [\n${operations}\n    ]\n`);
}

/** The columns of catalog_book in the real SQLite file. */
export function bookColumns(h: SimulatedHost): string[] {
  const db = h.server.toReal('C:\\apps\\library\\shared\\db.sqlite3');
  return execFileSync('/usr/bin/python3', ['-c', 'import sqlite3,sys; print(",".join(r[1] for r in sqlite3.connect(sys.argv[1]).execute("pragma table_info(catalog_book)")))', db]).toString().trim().split(',');
}

/** Rows written by the application between releases (through the real SQLite file). */
export function addBook(h: SimulatedHost, title: string): void {
  const db = h.server.toReal('C:\\apps\\library\\shared\\db.sqlite3');
  const py = [
    'import sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1])',
    'cols = [r[1] for r in c.execute("pragma table_info(catalog_book)")]',
    'row = {"title": sys.argv[2], "author": "A. Author", "cover": "covers/x.txt", "summary": "", "subtitle": ""}',
    'names = [k for k in row if k in cols]',
    'c.execute("insert into catalog_book(%s) values (%s)" % (",".join(names), ",".join("?" * len(names))), [row[k] for k in names])',
    'c.commit()',
  ].join('\n');
  execFileSync('/usr/bin/python3', ['-c', py, db, title]);
}

export const page = (h: SimulatedHost, p: string) => h.http(`http://localhost:8081${p}`, { headers: { host: 'library.example.com:8081' } });

export async function sitePaths(h: SimulatedHost): Promise<string> {
  return (await h.exec(APPCMD, ['list', 'site', 'library', '/config', '/xml'])).stdout;
}

