import { describe, expect, it } from 'vitest';
import { hasExplicitGrant, parseCollectstatic, parseDiskFree, parseDismState, parseFastCgiApps, parseHandlers, parseIcacls, parseNetstat, parsePool, parsePythonInstalls, parseRegQuery, parseScState, parseSite } from './parsers';

describe('parsers', () => {
  it('dism State lines', () => {
    expect(parseDismState('Feature Name : IIS-CGI\r\nRestart Required : Possible\r\nState : Enabled\r\n')).toBe('Enabled');
    expect(parseDismState('State : Disabled with Payload Removed\r\n')).toBe('Disabled with Payload Removed');
    expect(parseDismState('State : Enable Pending\r\n\r\nCustom Properties:')).toBe('Enable Pending');
    expect(parseDismState('Error: 87')).toBeUndefined();
  });

  it('appcmd XML: FastCGI applications with environment variables', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<appcmd>
    <CONFIG CONFIG.SECTION="system.webServer/fastCgi" path="MACHINE/WEBROOT/APPHOST" overrideMode="Inherit" locked="false">
        <system.webServer-fastCgi>
            <application fullPath="C:\\v\\Scripts\\python.exe" arguments="C:\\v\\Lib\\site-packages\\wfastcgi.py" requestTimeout="600">
                <environmentVariables>
                    <environmentVariable name="DJANGO_SETTINGS_MODULE" value="foo.settings" />
                    <environmentVariable name="WSGI_HANDLER" value="django.core.wsgi.get_wsgi_application()" />
                </environmentVariables>
            </application>
        </system.webServer-fastCgi>
    </CONFIG>
</appcmd>`;
    const [app] = parseFastCgiApps(xml);
    expect(app).toMatchObject({ fullPath: 'C:\\v\\Scripts\\python.exe', arguments: 'C:\\v\\Lib\\site-packages\\wfastcgi.py', attrs: { requestTimeout: '600' }, env: { DJANGO_SETTINGS_MODULE: 'foo.settings', WSGI_HANDLER: 'django.core.wsgi.get_wsgi_application()' } });
  });

  it('appcmd XML: handlers, sites and pools (with &quot; in values)', () => {
    const h = parseHandlers('<appcmd><CONFIG><system.webServer-handlers><add name="Django Handler" path="*" verb="*" modules="FastCgiModule" scriptProcessor="&quot;C:\\a b\\python.exe&quot;|&quot;C:\\a b\\w.py&quot;" /><add name="StaticFile" path="*" verb="*" modules="StaticFileModule" /></system.webServer-handlers></CONFIG></appcmd>');
    expect(h[0]).toMatchObject({ name: 'Django Handler', scriptProcessor: '"C:\\a b\\python.exe"|"C:\\a b\\w.py"' });
    expect(h[1]?.name).toBe('StaticFile');
    const s = parseSite('<appcmd><SITE SITE.NAME="foo" SITE.ID="2" bindings="http/*:81:" state="Started"><site name="foo" id="2"><application path="/" applicationPool="foo"><virtualDirectory path="/" physicalPath="C:\\apps\\foo" /><virtualDirectory path="/static" physicalPath="C:\\apps\\foo\\foo\\static" /></application><bindings><binding protocol="http" bindingInformation="*:81:" /></bindings></site></SITE></appcmd>');
    expect(s).toMatchObject({ name: 'foo', state: 'Started', bindings: [{ protocol: 'http', bindingInformation: '*:81:' }], apps: [{ path: '/', applicationPool: 'foo', vdirs: [{ path: '/' }, { path: '/static', physicalPath: 'C:\\apps\\foo\\foo\\static' }] }] });
    expect(parsePool('<appcmd><APPPOOL APPPOOL.NAME="foo" state="Stopped"><add name="foo" managedRuntimeVersion="" /></APPPOOL></appcmd>')).toEqual({ name: 'foo', state: 'Stopped', managedRuntimeVersion: '' });
    expect(() => parseSite('ERROR ( message:Cannot find SITE object with identifier "foo". )')).toThrow();
  });

  it('reg query output and PEP 514 installs', () => {
    const out = '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Python\\PythonCore\\3.14\r\n    DisplayName    REG_SZ    Python 3.14 (64-bit)\r\n\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Python\\PythonCore\\3.14\\InstallPath\r\n    (Default)    REG_SZ    C:\\Python314\\\r\n    ExecutablePath    REG_SZ    C:\\Python314\\python.exe\r\n\r\nEnd of search: 3 match(es) found.\r\n';
    expect(parseRegQuery(out)['HKEY_LOCAL_MACHINE\\SOFTWARE\\Python\\PythonCore\\3.14']).toEqual({ DisplayName: 'Python 3.14 (64-bit)' });
    expect(parsePythonInstalls(out, 'HKLM')).toEqual([{ tag: '3.14', installPath: 'C:\\Python314', executable: 'C:\\Python314\\python.exe', hive: 'HKLM' }]);
  });

  it('netstat, sc, fsutil, icacls', () => {
    expect(parseNetstat('  Proto  Local Address          Foreign Address        State           PID\r\n  TCP    0.0.0.0:81             0.0.0.0:0              LISTENING       5100\r\n  TCP    10.0.0.5:50000         1.2.3.4:443            ESTABLISHED     77\r\n')).toEqual([{ address: '0.0.0.0', port: 81, pid: 5100 }]);
    expect(parseScState('SERVICE_NAME: W3SVC\r\n        STATE              : 4  RUNNING\r\n')).toBe('RUNNING');
    expect(parseDiskFree('Total free bytes                : 48,318,382,080 ( 45.0 GB)')).toBe(48318382080);
    const acl = parseIcacls('C:\\apps\\foo IIS APPPOOL\\foo:(OI)(CI)(RX)\r\n            BUILTIN\\Users:(I)(OI)(CI)(RX)\r\n\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n', 'C:\\apps\\foo');
    expect(acl).toEqual([
      { identity: 'IIS APPPOOL\\foo', flags: ['OI', 'CI', 'RX'], inherited: false },
      { identity: 'BUILTIN\\Users', flags: ['OI', 'CI', 'RX'], inherited: true },
    ]);
    expect(hasExplicitGrant(acl, 'IIS APPPOOL\\foo', 'RX')).toBe(true);
    expect(hasExplicitGrant(acl, 'IIS APPPOOL\\foo', 'M')).toBe(false);
    expect(hasExplicitGrant(acl, 'BUILTIN\\Users', 'RX')).toBe(false);
  });

  it('collectstatic summaries and requirements', () => {
    expect(parseCollectstatic("\n0 static files copied to 'C:\\apps\\foo\\foo\\static', 120 unmodified.\n")).toEqual({ copied: 0, unmodified: 120 });
    expect(parseCollectstatic("120 static files copied to 'C:\\x'.")).toEqual({ copied: 120, unmodified: 0 });
  });
});
