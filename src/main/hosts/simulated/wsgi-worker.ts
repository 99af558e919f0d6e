/**
 * The Python side of the simulated FastCGI application: plays wfastcgi's part (read
 * WSGI_HANDLER, append PYTHONPATH to sys.path, open WSGI_LOG, chdir to the site's physical
 * path, call the WSGI app) but talks JSON lines over pipes instead of FastCGI records over a
 * named pipe. Error texts follow wfastcgi.py's ("Error occurred while reading WSGI handler").
 */
export const WSGI_WORKER_PY = String.raw`
import base64, io, json, os, sys, traceback, importlib

proto = os.fdopen(os.dup(1), 'w', buffering=1)
sys.stdout = sys.stderr

log_path = os.environ.get('WSGI_LOG')
def log(msg):
    if log_path:
        with open(log_path, 'a', encoding='utf-8') as f:
            f.write(msg + '\n')

if log_path:
    try:
        open(log_path, 'a').close()
    except Exception as e:
        sys.stderr.write('wfastcgi: cannot open WSGI_LOG %s: %s\n' % (log_path, e))
        sys.exit(3)

phys = os.environ.get('SIM_APPL_PHYSICAL_PATH')
if phys:
    os.chdir(phys)
for p in os.environ.get('SIM_PYTHONPATH', '').split(os.pathsep):
    if p and p not in sys.path:
        sys.path.append(p)

# wfastcgi 3.0.0's get_wsgi_handler (windows-iis.md §4/§11): split at the last dot, retry with a
# shorter module path on ImportError, a trailing () calls; other errors propagate as they are.
def get_wsgi_handler(handler_name):
    if not handler_name:
        raise Exception('WSGI_HANDLER env var must be set')
    module_name, _, callable_name = handler_name.rpartition('.')
    should_call = callable_name.endswith('()')
    callable_name = callable_name[:-2] if should_call else callable_name
    name_list = [(callable_name, should_call)]
    handler = None
    last_tb = ''
    while module_name:
        try:
            handler = __import__(module_name, fromlist=[name_list[0][0]])
            last_tb = ''
            for name, should_call in name_list:
                handler = getattr(handler, name)
                if should_call:
                    handler = handler()
            break
        except ImportError:
            module_name, _, callable_name = module_name.rpartition('.')
            should_call = callable_name.endswith('()')
            callable_name = callable_name[:-2] if should_call else callable_name
            name_list.insert(0, (callable_name, should_call))
            handler = None
            last_tb = ': ' + traceback.format_exc()
    if handler is None:
        raise ValueError('"%s" could not be imported%s' % (handler_name, last_tb))
    return handler

handler = None
handler_error = None
try:
    handler = get_wsgi_handler(os.environ.get('WSGI_HANDLER'))
    log('wfastcgi (simulated): handler %s loaded' % os.environ.get('WSGI_HANDLER'))
except Exception:
    handler_error = 'Error occurred while reading WSGI handler:\n\n' + traceback.format_exc() + '\n\nStdOut: \n\nStdErr: \n'
    log(handler_error)

for line in sys.stdin:
    req = json.loads(line)
    if handler_error:
        proto.write(json.dumps({'status': '500 Internal Server Error', 'headers': [['Content-Type', 'text/plain']], 'body': base64.b64encode(handler_error.encode()).decode(), 'handlerError': True}) + '\n')
        continue
    body = base64.b64decode(req.get('body', ''))
    environ = {
        'REQUEST_METHOD': req['method'], 'PATH_INFO': req['path'], 'QUERY_STRING': req.get('query', ''),
        'SCRIPT_NAME': '', 'SERVER_NAME': req.get('serverName', 'localhost'), 'SERVER_PORT': str(req.get('serverPort', 80)),
        'SERVER_PROTOCOL': 'HTTP/1.1', 'REMOTE_ADDR': '127.0.0.1', 'wsgi.version': (1, 0), 'wsgi.url_scheme': 'http',
        'wsgi.input': io.BytesIO(body), 'wsgi.errors': sys.stderr, 'wsgi.multithread': False,
        'wsgi.multiprocess': True, 'wsgi.run_once': False, 'CONTENT_LENGTH': str(len(body)),
        'APPL_PHYSICAL_PATH': phys or '',
    }
    # wfastcgi copies every FastCGI parameter (IIS's server variables) into the environ, and
    # makes the scheme https when IIS's HTTPS variable is "on" (wfastcgi.py, handle_response).
    environ.update(req.get('vars', {}))
    if environ.get('HTTPS', 'off').lower() in ('on', '1'):
        environ['wsgi.url_scheme'] = 'https'
    for k, v in req.get('headers', {}).items():
        key = k.upper().replace('-', '_')
        if key == 'CONTENT_TYPE':
            environ['CONTENT_TYPE'] = v
        elif key != 'CONTENT_LENGTH':
            environ['HTTP_' + key] = v
    captured = {}
    def start_response(status, headers, exc_info=None):
        captured['status'] = status
        captured['headers'] = headers
    try:
        result = handler(environ, start_response)
        chunks = b''.join(result)
        if hasattr(result, 'close'):
            result.close()
        proto.write(json.dumps({'status': captured.get('status', '500 Internal Server Error'), 'headers': captured.get('headers', []), 'body': base64.b64encode(chunks).decode()}) + '\n')
    except Exception:
        tb = traceback.format_exc()
        log(tb)
        proto.write(json.dumps({'status': '500 Internal Server Error', 'headers': [['Content-Type', 'text/plain']], 'body': base64.b64encode(tb.encode()).decode()}) + '\n')
`;
