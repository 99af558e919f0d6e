/**
 * The distribution that provides a module a project imports, where its name differs from the
 * module's (what pip is told is the distribution's name: `import dotenv` needs python-dotenv).
 * A fixed table of the names Django projects commonly get wrong; a module not in it is said to be
 * unknown here, never guessed.
 */
const PROVIDES: Record<string, string> = {
  allauth: 'django-allauth',
  bs4: 'beautifulsoup4',
  ckeditor: 'django-ckeditor',
  corsheaders: 'django-cors-headers',
  crispy_bootstrap5: 'crispy-bootstrap5',
  crispy_forms: 'django-crispy-forms',
  cv2: 'opencv-python',
  dateutil: 'python-dateutil',
  debug_toolbar: 'django-debug-toolbar',
  decouple: 'python-decouple',
  dj_database_url: 'dj-database-url',
  django_celery_beat: 'django-celery-beat',
  django_extensions: 'django-extensions',
  django_filters: 'django-filter',
  django_htmx: 'django-htmx',
  docx: 'python-docx',
  dotenv: 'python-dotenv',
  environ: 'django-environ',
  import_export: 'django-import-export',
  jwt: 'PyJWT',
  magic: 'python-magic',
  markdown: 'Markdown',
  mptt: 'django-mptt',
  MySQLdb: 'mysqlclient',
  OpenSSL: 'pyOpenSSL',
  phonenumber_field: 'django-phonenumber-field',
  PIL: 'Pillow',
  psycopg2: 'psycopg2-binary (or psycopg2)',
  rest_framework: 'djangorestframework',
  rest_framework_simplejwt: 'djangorestframework-simplejwt',
  sklearn: 'scikit-learn',
  storages: 'django-storages',
  taggit: 'django-taggit',
  tinymce: 'django-tinymce',
  win32api: 'pywin32',
  yaml: 'PyYAML',
};

/** The module a Python error says is missing ("No module named 'rest_framework.authtoken'" → rest_framework). */
export function missingModule(error: string): string | undefined {
  return /No module named '([A-Za-z_][\w.]*)'/.exec(error)?.[1]?.split('.')[0];
}

/** What to tell pip for a module the project imports: the distribution when it is known here (or the module's own name when that is the distribution). */
export function distributionFor(module: string): string | undefined {
  return PROVIDES[module];
}

/**
 * The sentence that turns "No module named 'X'" into what to install: which distribution
 * provides X (when known), and where the project's dependencies are read from.
 */
export function missingModuleFix(error: string, requirementsFile: string | undefined): string | undefined {
  const mod = missingModule(error);
  if (!mod) return undefined;
  const dist = distributionFor(mod);
  const where = requirementsFile ? `to ${requirementsFile}` : 'to the project\'s requirements (a requirements.txt, pyproject.toml or lock, or "requirementsFile" in the configuration)';
  return dist
    ? `The module ${mod} is provided by the distribution ${dist}: add ${dist.split(' ')[0] as string} ${where}, then run again.`
    : `The module ${mod} is not installed in the venv: add the distribution that provides it (often named ${mod.replace(/_/g, '-')}; its PyPI page says "pip install ...") ${where}, then run again.`;
}
