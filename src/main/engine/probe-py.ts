/** The settings probe run with the venv's Python (project.ts reads its answer). */
/** The probe. Paths are printed on lines of their own, unquoted, so they read back verbatim on any host. */
export const PROBE_PY = String.raw`
import json, os, sys, traceback
paths = []
try:
    import django
    from django.conf import settings
    django.setup()
    s = settings
    def p(v):
        return '' if v in (None, '') else str(v)
    dbs = getattr(s, 'DATABASES', {}) or {}
    db = dbs.get('default') or {}
    storage = getattr(s, 'STATICFILES_STORAGE', None)
    storages = getattr(s, 'STORAGES', None)
    if isinstance(storages, dict) and isinstance(storages.get('staticfiles'), dict):
        storage = storages['staticfiles'].get('BACKEND')
    try:
        key = str(s.SECRET_KEY or '')
    except Exception:
        key = ''
    engine = str(db.get('ENGINE', '')) if db else ''
    out = {
        'ok': True,
        'djangoVersion': django.get_version(),
        'STATIC_URL': s.STATIC_URL, 'MEDIA_URL': s.MEDIA_URL,
        'DEBUG': bool(s.DEBUG), 'ALLOWED_HOSTS': [str(h) for h in s.ALLOWED_HOSTS],
        'CSRF_TRUSTED_ORIGINS': [str(o) for o in getattr(s, 'CSRF_TRUSTED_ORIGINS', [])],
        'MIDDLEWARE': [str(m) for m in (getattr(s, 'MIDDLEWARE', None) or [])],
        'AUTHENTICATION_BACKENDS': [str(b) for b in getattr(s, 'AUTHENTICATION_BACKENDS', [])],
        'SECURE_SSL_REDIRECT': bool(getattr(s, 'SECURE_SSL_REDIRECT', False)),
        'database': {'engine': engine} if db else None,
        'staticfilesInstalled': 'django.contrib.staticfiles' in s.INSTALLED_APPS,
        'adminInstalled': 'django.contrib.admin' in s.INSTALLED_APPS,
        'WSGI_APPLICATION': getattr(s, 'WSGI_APPLICATION', None),
        'staticfilesStorage': storage,
        'secretKeySet': bool(key), 'secretKeyInsecure': key.startswith('django-insecure-'),
        'staticDirsOutsideApp': len([d for d in getattr(s, 'STATICFILES_DIRS', []) if not os.path.normcase(os.path.abspath(str(d[1] if isinstance(d, (list, tuple)) else d))).startswith(os.path.normcase(os.path.abspath(os.getcwd())))]),
    }
    paths = [('STATIC_ROOT', p(s.STATIC_ROOT)), ('MEDIA_ROOT', p(s.MEDIA_ROOT)), ('DATABASE_NAME', p(db.get('NAME')) if engine.endswith('sqlite3') else '')]
    paths += [('STATICFILES_DIR', p(d[1] if isinstance(d, (list, tuple)) else d)) for d in getattr(s, 'STATICFILES_DIRS', [])]
except BaseException as e:
    out = {'ok': False}
    err = ' '.join(''.join(traceback.format_exception_only(type(e), e)).split())
    print('DJANGO_IIS_PROBE_ERROR ' + err)
    print('DJANGO_IIS_PROBE_TRACEBACK_BEGIN')
    print(traceback.format_exc()[-6000:])
    print('DJANGO_IIS_PROBE_TRACEBACK_END')
print('DJANGO_IIS_PROBE_JSON ' + json.dumps(out))
for k, v in paths:
    print('DJANGO_IIS_PROBE_PATH %s=%s' % (k, v))
`;
