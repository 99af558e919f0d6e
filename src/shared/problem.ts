/** An error as a value a person can act on: what happened, why, and what to do. */
export interface Problem {
  what: string;
  why: string;
  fix: string;
  /** The command that failed, as an argv, when there was one. */
  command?: string[];
  exitCode?: number;
  /** Its output (secrets redacted), kept short. */
  output?: string;
  /** For a verification diagnosis: the known cause it is (diagnosis.ts CAUSES), so probes group by it. */
  cause?: string;
}

/** Names whose values are secrets: SECRET_KEY, PASSWORD, DB_PASSWORD, API_TOKEN, AWS_SECRET_ACCESS_KEY... */
const SECRET_NAME = String.raw`[A-Za-z0-9_]*(?:SECRET|PASSWORD|PASSWD|PWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIALS?|CSC_KEY_PASSWORD)[A-Za-z0-9_]*`;

const SECRET_KEY_NAME = new RegExp(`^${SECRET_NAME}$`, 'i');

const SECRET_PATTERNS: [RegExp, string][] = [
  // os.environ.get('DJANGO_SECRET_KEY', 'default'), os.getenv("DB_PASSWORD", "x"), environ.setdefault(...)
  [new RegExp(String.raw`((?:environ\.get|getenv|environ\.setdefault|env|env\.str)\(\s*(['"])${SECRET_NAME}\2\s*,\s*(?:default\s*=\s*)?)(['"])(?:\\.|(?!\3).)*\3`, 'gi'), '$1$3[redacted]$3'],
  // 'PASSWORD': 'x' (Django's DATABASES dict) and "SECRET_KEY": "x"
  [new RegExp(String.raw`((['"])${SECRET_NAME}\2\s*:\s*)(['"])(?:\\.|(?!\3).)*\3`, 'gi'), '$1$3[redacted]$3'],
  // SECRET_KEY = 'x', DB_PASSWORD="x", password=x
  [new RegExp(String.raw`(\b${SECRET_NAME}\s*[=:]\s*)(['"])(?:\\.|(?!\2).)*\2`, 'gi'), '$1$2[redacted]$2'],
  [new RegExp(String.raw`(\b${SECRET_NAME}\s*[=:]\s*)(?!['"\[(]|[A-Za-z_][\w.]*\[|[A-Za-z_][\w.]*\()[^\s,;'"()]+`, 'gi'), '$1[redacted]'],
  [/(django-insecure-)[^\s'"]{8,}/g, '$1[redacted]'],
  // scheme://user:password@host in any text (a DATABASE_URL printed by the project's own code)
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*:)[^\s@'"/]+@/gi, '$1[redacted]@'],
];

/** Values known to be secrets in this process (a generated SECRET_KEY): removed wherever they appear, whatever their length. */
const knownSecrets = new Set<string>();
/** Where each known secret came from ("environment DB_PASSWORD"), for the export's parameters. */
const secretLabels = new Map<string, string>();
/** The SECRET_KEYs this process generated (the export makes its own instead of writing them). */
const generatedSecrets = new Set<string>();

/** The known secrets longest first, each with how it is replaced (made once per new secret: redact runs on every output line). */
let replacers: { value: string; re?: RegExp }[] | undefined;
function secretReplacers(): { value: string; re?: RegExp }[] {
  // A short secret is replaced where it stands alone (not inside other words: "ab" would eat "table").
  replacers ??= [...knownSecrets]
    .sort((a, b) => b.length - a.length)
    .map((value) => (value.length >= 8 ? { value } : { value, re: new RegExp(`(?<![A-Za-z0-9])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![A-Za-z0-9])`, 'g') }));
  return replacers;
}

export function registerSecret(value: string, label?: string): void {
  if (value.length === 0) return;
  if (!knownSecrets.has(value)) replacers = undefined;
  knownSecrets.add(value);
  if (label && !secretLabels.has(value)) secretLabels.set(value, label);
}

/** A SECRET_KEY the tool generated in this process. */
export function registerGeneratedSecret(value: string): void {
  registerSecret(value, 'the generated SECRET_KEY');
  generatedSecrets.add(value);
}

export function isGeneratedSecret(value: string): boolean {
  return generatedSecrets.has(value);
}

export function secretLabel(value: string): string | undefined {
  return secretLabels.get(value);
}

/** The known secret that occurs in text, if any (the longest first). */
export function knownSecretIn(text: string): string | undefined {
  return secretReplacers().find((r) => text.includes(r.value))?.value;
}

/** redact() applied to every string inside a value (events, reports, JSON output). */
export function redactDeep<T>(v: T): T {
  if (typeof v === 'string') return redact(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => redactDeep(x)) as T;
  // A value under a secret-named key is a secret whatever its length or content.
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' && x !== '' && SECRET_KEY_NAME.test(k) ? '[redacted]' : redactDeep(x)])) as T;
  return v;
}

/** Removes secrets (Django SECRET_KEY, passwords, tokens, known secret values) from text bound for a log or an event. */
export function redact(text: string): string {
  let out = text;
  for (const r of secretReplacers()) out = r.re ? out.replace(r.re, '«secret»') : out.split(r.value).join('«secret»');
  for (const [re, rep] of SECRET_PATTERNS) out = out.replace(re, rep);
  return out;
}
