/**
 * Which Python a project's Django runs on, and which Pythons are past their end of life. One table
 * each, with its source, so the choice of Python is made in one place.
 *
 * Django's supported Pythons: Django's FAQ "What Python version can I use with Django?"
 * (docs.djangoproject.com/en/stable/faq/install/), as endoflife.date/api/django.json lists it
 * (read 2026-12-02): 2.2 3.5-3.9, 3.0 3.6-3.9, 3.1 3.6-3.9, 3.2 3.6-3.10, 4.0 3.8-3.10,
 * 4.1 3.8-3.11, 4.2 3.8-3.12, 5.0 3.10-3.12, 5.1 3.10-3.13, 5.2 3.10-3.14, 6.0 3.12-3.14.
 * Python's end of life: the Python developer's guide, "Status of Python versions"
 * (devguide.python.org/versions/): October of the fifth year after each release.
 */

export const DJANGO_PYTHONS: Record<string, [min: string, max: string]> = {
  '2.2': ['3.5', '3.9'],
  '3.0': ['3.6', '3.9'],
  '3.1': ['3.6', '3.9'],
  '3.2': ['3.6', '3.10'],
  '4.0': ['3.8', '3.10'],
  '4.1': ['3.8', '3.11'],
  '4.2': ['3.8', '3.12'],
  '5.0': ['3.10', '3.12'],
  '5.1': ['3.10', '3.13'],
  '5.2': ['3.10', '3.14'],
  '6.0': ['3.12', '3.14'],
};

export const PYTHON_EOL: Record<string, string> = {
  '3.5': '2020-09-30',
  '3.6': '2021-12-23',
  '3.7': '2023-06-27',
  '3.8': '2024-10-07',
  '3.9': '2025-10-31',
  '3.10': '2026-10-31',
  '3.11': '2027-10-31',
  '3.12': '2028-10-31',
  '3.13': '2029-10-31',
  '3.14': '2030-10-31',
};

const minorOf = (v: string) => v.split('.').slice(0, 2).join('.');
const num = (minor: string) => Number(minor.split('.')[1] ?? 0);

/** The Django series a requirement specifier admits, newest first ("Django>=3.2,<4.0" → ["3.2"]). */
export function djangoSeries(spec: string): string[] {
  // A series is admitted when one of its releases satisfies the specifier: its first, a late one, or one the specifier names.
  const named = [...spec.matchAll(/\d+\.\d+(?:\.\d+)?/g)].map((m) => m[0]);
  return Object.keys(DJANGO_PYTHONS)
    .filter((s) => spec.trim() === '' || [`${s}.0`, `${s}.99`, ...named.filter((v) => v === s || v.startsWith(`${s}.`))].some((v) => satisfies(v, spec)))
    .sort((a, b) => Number(b.split('.')[0]) - Number(a.split('.')[0]) || num(b) - num(a));
}

/** Whether a Python minor (3.11) is one the Django series supports. */
export function djangoSupports(series: string, python: string): boolean {
  const r = DJANGO_PYTHONS[series];
  return r !== undefined && num(minorOf(python)) >= num(r[0]) && num(minorOf(python)) <= num(r[1]);
}

/** The end-of-life warning for a Python version, or undefined when it is supported on `today` (YYYY-MM-DD). */
export function eolWarning(version: string, today: string): string | undefined {
  const eol = PYTHON_EOL[minorOf(version)];
  return eol && eol < today ? `WARNING: Python ${minorOf(version)} reached its end of life on ${eol}: it gets no security fixes. Move the project to a newer Python when its Django allows.` : undefined;
}

export type Version = [number, number, number];
export const parseVersion = (v: string): Version | undefined => {
  // "4" is 4.0.0 in a specifier (Django<4).
  const m = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : undefined;
};
export const compareVersions = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const parse = parseVersion;
const cmp = compareVersions;

/** Does version satisfy a PEP 440 specifier set such as ">=3.10,<3.13" or "~=3.11" or "==3.12.*"? */
export function satisfies(version: string, spec: string): boolean {
  const v = parse(version);
  if (!v) return false;
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s)
    .every((clause) => {
      const m = /^(~=|===|==|!=|<=|>=|<|>)\s*([\d.*]+)$/.exec(clause);
      if (!m) return false;
      const [, op, raw] = m as unknown as [string, string, string];
      if (raw.endsWith('.*')) {
        const prefix = raw.slice(0, -2).split('.').map(Number);
        const match = prefix.every((x, i) => v[i] === x);
        return op === '!=' ? !match : match;
      }
      const w = parse(raw);
      if (!w) return false;
      const c = cmp(v, w);
      switch (op) {
        case '==':
        case '===':
          return c === 0;
        case '!=':
          return c !== 0;
        case '<=':
          return c <= 0;
        case '>=':
          return c >= 0;
        case '<':
          return c < 0;
        case '>':
          return c > 0;
        case '~=': {
          const parts = raw.split('.').length;
          const upper: Version = parts >= 3 ? [w[0], w[1] + 1, 0] : [w[0] + 1, 0, 0];
          return c >= 0 && cmp(v, upper) < 0;
        }
        default:
          return false;
      }
    });
}


/**
 * Standard-library modules removed in each Python (What's New in Python 3.10 to 3.13, "Removed";
 * PEP 594 for 3.13): a project that imports one runs on a Python before and fails on one after.
 */
export const STDLIB_REMOVED: Record<string, string[]> = {
  '3.10': ['formatter', 'parser', 'symbol'],
  '3.11': ['binhex'],
  '3.12': ['asynchat', 'asyncore', 'distutils', 'imp', 'smtpd'],
  '3.13': ['aifc', 'audioop', 'cgi', 'cgitb', 'chunk', 'crypt', 'imghdr', 'lib2to3', 'mailcap', 'msilib', 'nis', 'nntplib', 'ossaudiodev', 'pipes', 'sndhdr', 'spwd', 'sunau', 'telnetlib', 'uu', 'xdrlib'],
};


/**
 * What a rehearsal on one Python cannot prove about a server on another: undefined when both are
 * the same minor version; else a sentence naming both, the standard-library modules removed in
 * between (and on which side they exist) and that wheels are built per Python.
 */
export function pythonGap(server: string, rehearsal: string): string | undefined {
  if (minorOf(server) === minorOf(rehearsal)) return undefined;
  const [lo, hi] = num(server) < num(rehearsal) ? [server, rehearsal] : [rehearsal, server];
  const removed = Object.entries(STDLIB_REMOVED)
    .filter(([v]) => num(v) > num(lo) && num(v) <= num(hi))
    .map(([v, mods]) => `${mods.join(', ')} in ${v}`);
  const side = num(server) > num(rehearsal) ? `missing on the server's Python ${minorOf(server)} but present here, so a project importing one passes the rehearsal and fails on the server` : `present on the server's Python ${minorOf(server)} but missing here, so a project importing one fails the rehearsal only`;
  return `The server will run Python ${server}; this rehearsal runs Python ${rehearsal} in its place (the nearest minor version this machine has), so what differs between ${minorOf(server)} and ${minorOf(rehearsal)} is not proven here: standard-library modules removed in between${removed.length ? ` (${removed.join('; ')})` : ' (none listed)'} are ${side}; packages with compiled parts install wheels built for ${minorOf(server)} on the server (or none exist for it), not the ones this machine has.`;
}
