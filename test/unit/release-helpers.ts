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

/** A Python snippet run by the machine's Python on the deployment's real SQLite file (sys.argv[1]), with more arguments after it; its output. */
function onLibraryDb(h: SimulatedHost, py: string, ...args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', py, h.server.toReal('C:\\apps\\library\\shared\\db.sqlite3'), ...args]).toString().trim();
}

/** The columns of catalog_book in the real SQLite file. */
export function bookColumns(h: SimulatedHost): string[] {
  return onLibraryDb(h, 'import sqlite3,sys; print(",".join(r[1] for r in sqlite3.connect(sys.argv[1]).execute("pragma table_info(catalog_book)")))').split(',');
}

/** Rows written by the application between releases (through the real SQLite file). */
export function addBook(h: SimulatedHost, title: string): void {
  const py = [
    'import sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1])',
    'cols = [r[1] for r in c.execute("pragma table_info(catalog_book)")]',
    'row = {"title": sys.argv[2], "author": "A. Author", "cover": "covers/x.txt", "summary": "", "subtitle": ""}',
    'names = [k for k in row if k in cols]',
    'c.execute("insert into catalog_book(%s) values (%s)" % (",".join(names), ",".join("?" * len(names))), [row[k] for k in names])',
    'c.commit()',
  ].join('\n');
  onLibraryDb(h, py, title);
}

export const page = (h: SimulatedHost, p: string) => h.http(`http://localhost:8081${p}`, { headers: { host: 'library.example.com:8081' } });

export async function sitePaths(h: SimulatedHost): Promise<string> {
  return (await h.exec(APPCMD, ['list', 'site', 'library', '/config', '/xml'])).stdout;
}


/** A superuser in the live database, its password hashed as Django's PBKDF2PasswordHasher does (Python's hashlib). */
export function addAdmin(h: SimulatedHost, user = 'writer', password = 'writer-pass-1234'): { user: string; password: string } {
  const py = [
    'import base64, hashlib, sqlite3, sys, datetime',
    'salt = "loadtestsalt1234"',
    'dk = hashlib.pbkdf2_hmac("sha256", sys.argv[3].encode(), salt.encode(), 260000)',
    'pw = "pbkdf2_sha256$260000$%s$%s" % (salt, base64.b64encode(dk).decode())',
    'c = sqlite3.connect(sys.argv[1])',
    'c.execute("insert into auth_user(password, is_superuser, username, first_name, last_name, email, is_staff, is_active, date_joined) values (?, 1, ?, \'\', \'\', \'\', 1, 1, ?)", (pw, sys.argv[2], datetime.datetime.utcnow().isoformat()))',
    'c.commit()',
  ].join('\n');
  onLibraryDb(h, py, user, password);
  return { user, password };
}

/** The rows of catalog_book whose title starts with a prefix (what the writers' 302s claim they wrote). */
export function booksTitled(h: SimulatedHost, prefix: string): string[] {
  const out = onLibraryDb(h, 'import sqlite3,sys; print("\\n".join(r[0] for r in sqlite3.connect(sys.argv[1]).execute("select title from catalog_book where title like ? order by id", (sys.argv[2] + "%",))))', prefix);
  return out ? out.split('\n') : [];
}

export interface Write {
  /** When the request that decided it was sent, and when its answer came. */
  sent: number;
  at: number;
  title: string;
  /** written: Django answered the POST with its redirect; refused: 503 (the maintenance window, with Retry-After); failed: anything else. */
  outcome: 'written' | 'refused' | 'failed';
  status: number;
  detail?: string;
}

/**
 * A person in the admin: signs in through the login form (CSRF cookie and token), then adds books
 * through the "Add book" form, filling every text field the form of the release that answers has.
 */
export class AdminWriter {
  private cookies = new Map<string, string>();
  readonly writes: Write[] = [];

  constructor(private readonly h: SimulatedHost, private readonly name: string, private readonly login = { user: 'writer', password: 'writer-pass-1234' }) {}

  private async ask(p: string, form?: Record<string, string>) {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const r = await this.h.http(`http://localhost:8081${p}`, {
      headers: { host: 'library.example.com:8081', ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(form ? { method: 'POST', body: new URLSearchParams(form).toString() } : {}),
    });
    for (const m of (r.headers['set-cookie'] ?? '').matchAll(/(?:^|,\s*)(csrftoken|sessionid)=([^;]*)/g)) this.cookies.set(m[1] as string, m[2] as string);
    return r;
  }

  private static token(body: string): string | undefined {
    return /name="csrfmiddlewaretoken" value="([^"]+)"/.exec(body)?.[1];
  }

  async signIn(): Promise<void> {
    const form = await this.ask('/admin/login/?next=/admin/');
    const token = AdminWriter.token(form.body);
    if (!token) throw new Error(`no login form: HTTP ${form.status}`);
    const r = await this.ask('/admin/login/?next=/admin/', { csrfmiddlewaretoken: token, username: this.login.user, password: this.login.password, next: '/admin/' });
    if (r.status !== 302) throw new Error(`sign-in failed: HTTP ${r.status} ${r.body.slice(0, 300)}`);
  }

  /** One book through the add form; the outcome recorded. */
  async addBook(n: number): Promise<Write> {
    const title = `${this.name}-${n}`;
    let sent = Date.now();
    const done = (outcome: Write['outcome'], status: number, detail?: string): Write => {
      const w = { sent, at: Date.now(), title, outcome, status, ...(detail ? { detail } : {}) };
      this.writes.push(w);
      return w;
    };
    const form = await this.ask('/admin/catalog/book/add/');
    if (form.status === 503) return done('refused', 503, `Retry-After: ${form.headers['retry-after'] ?? '-'}`);
    const token = AdminWriter.token(form.body);
    if (form.status !== 200 || !token) return done('failed', form.status, `the add form: ${/<title>([^<]*)/.exec(form.body)?.[1] ?? form.body.slice(0, 200)}`);
    const fields: Record<string, string> = { csrfmiddlewaretoken: token, _save: 'Save' };
    for (const m of form.body.matchAll(/<(?:input type="text"|textarea)[^>]*name="([^"]+)"/g)) fields[m[1] as string] = m[1] === 'title' ? title : 'x';
    sent = Date.now();
    const r = await this.ask('/admin/catalog/book/add/', fields);
    if (r.status === 302) return done('written', 302);
    if (r.status === 503) return done('refused', 503, `Retry-After: ${r.headers['retry-after'] ?? '-'}`);
    const why = /<ul class="errorlist[^"]*">(.*?)<\/ul>/s.exec(r.body)?.[1] ?? /exception_value">([^<]*)/.exec(r.body)?.[1] ?? /<title>([^<]*)/.exec(r.body)?.[1] ?? r.body.slice(0, 200);
    return done('failed', r.status, why.replace(/<[^>]+>/g, ' ').trim());
  }
}
