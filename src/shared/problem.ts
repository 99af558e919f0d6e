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

const SECRET_PATTERNS: [RegExp, string][] = [
  // os.environ.get('DJANGO_SECRET_KEY', 'default'), os.getenv("DB_PASSWORD", "x"), environ.setdefault(...)
  [new RegExp(String.raw`((?:environ\.get|getenv|environ\.setdefault|env|env\.str)\(\s*(['"])${SECRET_NAME}\2\s*,\s*(?:default\s*=\s*)?)(['"])(?:\\.|(?!\3).)*\3`, 'gi'), '$1$3[redacted]$3'],
  // 'PASSWORD': 'x' (Django's DATABASES dict) and "SECRET_KEY": "x"
  [new RegExp(String.raw`((['"])${SECRET_NAME}\2\s*:\s*)(['"])(?:\\.|(?!\3).)*\3`, 'gi'), '$1$3[redacted]$3'],
  // SECRET_KEY = 'x', DB_PASSWORD="x", password=x
  [new RegExp(String.raw`(\b${SECRET_NAME}\s*[=:]\s*)(['"])(?:\\.|(?!\2).)*\2`, 'gi'), '$1$2[redacted]$2'],
  [new RegExp(String.raw`(\b${SECRET_NAME}\s*[=:]\s*)(?!['"\[(]|[A-Za-z_][\w.]*\[|[A-Za-z_][\w.]*\()[^\s,;'"()]+`, 'gi'), '$1[redacted]'],
  [/(django-insecure-)[^\s'"]+/g, '$1[redacted]'],
];

/** Values known to be secrets in this process (a generated SECRET_KEY): removed wherever they appear. */
const knownSecrets = new Set<string>();

export function registerSecret(value: string): void {
  if (value.length >= 8) knownSecrets.add(value);
}

/** The known secret that occurs in text, if any (the PowerShell export puts a variable there instead). */
export function knownSecretIn(text: string): string | undefined {
  for (const v of knownSecrets) if (text.includes(v)) return v;
  return undefined;
}

/** redact() applied to every string inside a value (events, reports, JSON output). */
export function redactDeep<T>(v: T): T {
  if (typeof v === 'string') return redact(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => redactDeep(x)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactDeep(x)])) as T;
  return v;
}

/** Removes secrets (Django SECRET_KEY, passwords, tokens, known secret values) from text bound for a log or an event. */
export function redact(text: string): string {
  let out = text;
  for (const v of knownSecrets) out = out.split(v).join('«secret»');
  for (const [re, rep] of SECRET_PATTERNS) out = out.replace(re, rep);
  return out;
}
