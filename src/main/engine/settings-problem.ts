/**
 * Settings that do not load, said as what to set: an empty SECRET_KEY (or a KeyError for the
 * variable the settings read it from) is the configuration's "secretKey": {"env": NAME}, with the
 * NAME the project's settings read; another missing variable is an "environment" entry.
 */
import type { Problem } from '../../shared/problem';
import { redact } from '../../shared/problem';
import { missingModuleFix } from '../../shared/import-names';

/** The environment variable a settings file reads a setting from (os.environ.get, os.getenv, os.environ[...], django-environ's env()/env.bool(), decouple's config()), and its line. */
export function settingFromEnv(settings: string, setting: string): { name: string; line: number } | undefined {
  const lines = settings.split(/\r?\n/);
  const re = new RegExp(`^\\s*${setting}\\s*=\\s*(?:[\\w.]+\\()?\\s*(?:os\\.environ\\.get|os\\.getenv|environ\\.get|env(?:\\.\\w+)?|config|getenv)\\(\\s*['"]([A-Za-z_]\\w*)['"]|^\\s*${setting}\\s*=\\s*os\\.environ\\[\\s*['"]([A-Za-z_]\\w*)['"]\\s*\\]`);
  for (let i = 0; i < lines.length; i++) {
    const m = re.exec(lines[i] as string);
    if (m) return { name: (m[1] ?? m[2]) as string, line: i + 1 };
  }
  return undefined;
}

/** The environment variable a settings file reads SECRET_KEY from, and its line. */
export const secretKeyVariable = (settings: string) => settingFromEnv(settings, 'SECRET_KEY');

/**
 * The problem for settings that do not load. `error` is the exception's last line; `settings`
 * the settings file's text (when it could be read), `file` its path; `secretEnv` the configured
 * secretKey.env.
 */
export function settingsLoadProblem(a: { settingsModule: string; file: string; error: string; output: string; settings?: string; secretEnv?: string; requirementsFile?: string }): Problem {
  const base = { what: `Django could not load the settings ${a.settingsModule}.`, why: redact(a.error), output: a.output };
  const reads = a.settings ? secretKeyVariable(a.settings) : undefined;
  const missingVar = /KeyError: '([A-Za-z_]\w*)'/.exec(a.error)?.[1];
  const emptyKey = /SECRET_KEY setting must not be empty/.test(a.error);
  if (emptyKey || (missingVar && reads?.name === missingVar)) {
    const name = reads?.name ?? 'DJANGO_SECRET_KEY';
    const where = reads ? `${a.file}, line ${reads.line}, reads SECRET_KEY from the environment variable ${name}` : `${a.file} sets no SECRET_KEY the tool could read a variable name from`;
    const configured = a.secretEnv ? ` The configuration's "secretKey" sets ${a.secretEnv}, which the settings do not read.` : '';
    return {
      ...base,
      why: `${redact(a.error).replace(/\.$/, '')}: ${where}, and the site's environment has none.${configured}`,
      fix: `Add "secretKey": {"env": "${name}"} to the configuration: the tool makes a secret key once, keeps it on the server and gives it to the site and to manage.py as ${name}.${reads ? '' : ' If the settings read another name, use that name.'}`,
    };
  }
  if (missingVar)
    return { ...base, fix: `The settings read the environment variable ${missingVar}, which is not set. Give it in "environment" of the configuration ({"${missingVar}": "..."}), or for a secret "secretKey": {"env": "${missingVar}"}, then run again.` };
  // An import of a package the venv lacks: the distribution that provides it (dj_database_url is dj-database-url).
  const install = missingModuleFix(a.error, a.requirementsFile);
  if (install) return { ...base, fix: install };
  return { ...base, fix: 'Fix the project (the file and line are in the traceback below), or give it what it needs in "environment" (for example a variable its settings read), then run again.' };
}
