import { describe, expect, it } from 'vitest';
import { derive, parseConfig, type DeploymentConfig } from '../../shared/config';
import { appcmd, dism, fastCgiIdentity, icacls, pythonInstallerArgs } from './commands';
import { requiredGrants } from './project';

const cfg = (input: Record<string, unknown> = {}): DeploymentConfig => {
  const r = parseConfig(input);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
};

describe('command builders match windows-iis.md', () => {
  const c = cfg();
  const d = derive(c);
  const fp = 'C:\\virtualenvs\\foo\\Scripts\\python.exe';
  const args = 'C:\\virtualenvs\\foo\\Lib\\site-packages\\wfastcgi.py';

  it('FastCGI application, its environment and its attributes', () => {
    expect(appcmd.addFastCgi(c, d)).toEqual(['set', 'config', '-section:system.webServer/fastCgi', `/+[fullPath='${fp}',arguments='${args}',maxInstances='0',activityTimeout='70',requestTimeout='90',signalBeforeTerminateSeconds='30']`, '/commit:apphost']);
    expect(appcmd.addFastCgiEnv(d, 'DJANGO_SETTINGS_MODULE', 'foo.settings')).toEqual(['set', 'config', '-section:system.webServer/fastCgi', `/+[fullPath='${fp}',arguments='${args}'].environmentVariables.[name='DJANGO_SETTINGS_MODULE',value='foo.settings']`, '/commit:apphost']);
    expect(appcmd.setFastCgiAttr(d, 'requestTimeout', 600)).toEqual(['set', 'config', '-section:system.webServer/fastCgi', `/[fullPath='${fp}',arguments='${args}'].requestTimeout:600`, '/commit:apphost']);
    expect(appcmd.removeFastCgi(d)).toEqual(['set', 'config', '-section:system.webServer/fastCgi', `/-[fullPath='${fp}',arguments='${args}']`, '/commit:apphost']);
  });

  it('pool, site, app, handler and static virtual directory', () => {
    expect(appcmd.addPool('foo')).toEqual(['add', 'apppool', '/name:foo', '/managedRuntimeVersion:']);
    expect(appcmd.addSite(c)).toEqual(['add', 'site', '/name:foo', '/bindings:http/*:81:', '/physicalPath:C:\\apps\\foo']);
    expect(appcmd.setAppPool(c, d)).toEqual(['set', 'app', 'foo/', '/applicationPool:foo']);
    expect(appcmd.addDjangoHandler(c, d)).toEqual([
      'set',
      'config',
      'foo',
      '-section:system.webServer/handlers',
      `/+[name='Django Handler',path='*',verb='*',modules='FastCgiModule',scriptProcessor='${fp}|${args}',resourceType='Unspecified',requireAccess='Script']`,
      '/commit:apphost',
    ]);
    expect(appcmd.addVdir('foo', '/static', d.staticRoot)).toEqual(['add', 'vdir', '/app.name:foo/', '/path:/static', '/physicalPath:C:\\apps\\foo\\foo\\static']);
    expect(appcmd.removeHandler('foo/static')).toEqual(['set', 'config', 'foo/static', '-section:system.webServer/handlers', "/-[name='Django Handler']", '/commit:apphost']);
    expect(appcmd.listSite('foo')).toEqual(['list', 'site', 'foo', '/config', '/xml']);
  });

  it('DISM enables IIS with CGI in one transaction with /All /NoRestart', () => {
    expect(dism.enableIis()).toEqual([
      '/English', '/Online', '/Enable-Feature', '/FeatureName:IIS-WebServerRole', '/FeatureName:IIS-WebServer', '/FeatureName:IIS-CommonHttpFeatures', '/FeatureName:IIS-StaticContent', '/FeatureName:IIS-DefaultDocument', '/FeatureName:IIS-HttpErrors', '/FeatureName:IIS-ApplicationDevelopment', '/FeatureName:IIS-CGI', '/FeatureName:IIS-ManagementConsole', '/All', '/NoRestart',
    ]);
    expect(dism.featureInfo('IIS-CGI')).toEqual(['/English', '/Online', '/Get-FeatureInfo', '/FeatureName:IIS-CGI']);
  });

  it('silent all-users Python install', () => {
    const a = pythonInstallerArgs(d);
    expect(a[0]).toBe('/quiet');
    expect(a).toEqual(expect.arrayContaining(['InstallAllUsers=1', 'PrependPath=1', 'Include_test=0', 'TargetDir=C:\\Python314', '/log']));
  });

  it('icacls grants are one argv element each, with inheritance', () => {
    expect(icacls.grant('C:\\Python314', 'foo', 'RX')).toEqual(['C:\\Python314', '/grant', 'IIS AppPool\\foo:(OI)(CI)RX', '/T']);
    expect(requiredGrants(c, d, { staticRoot: d.staticRoot })).toEqual([
      { path: 'C:\\Python314', right: 'RX' },
      { path: 'C:\\virtualenvs\\foo', right: 'RX' },
      { path: 'C:\\apps\\foo', right: 'RX' },
      { path: 'C:\\apps\\foo\\logs', right: 'M' },
    ]);
    // the project's SQLite database folder and MEDIA_ROOT get modify; one grant per folder
    expect(requiredGrants(c, d, { staticRoot: 'D:\\static', sqliteFile: 'C:\\apps\\foo\\db.sqlite3', media: { url: '/media/', vdirPath: '/media', root: 'D:\\media' } })).toEqual([
      { path: 'C:\\Python314', right: 'RX' },
      { path: 'C:\\virtualenvs\\foo', right: 'RX' },
      { path: 'C:\\apps\\foo', right: 'M' },
      { path: 'D:\\static', right: 'RX' },
      { path: 'C:\\apps\\foo\\logs', right: 'M' },
      { path: 'D:\\media', right: 'M' },
    ]);
  });

  it('the handler scriptProcessor is built from the same value as the FastCGI entry, also with spaces', () => {
    for (const venvDir of ['C:\\virtualenvs\\foo', 'C:\\Web Apps\\venvs\\foo']) {
      const cc = cfg({ venvDir });
      const dd = derive(cc);
      const id = fastCgiIdentity(dd);
      expect(id.scriptProcessor).toBe(`${id.fullPath}|${id.arguments}`);
      expect(appcmd.addDjangoHandler(cc, dd)[4]).toContain(`scriptProcessor='${id.scriptProcessor}'`);
      expect(appcmd.addFastCgi(cc, dd)[3]).toContain(`fullPath='${id.fullPath}',arguments='${id.arguments}'`);
      if (venvDir.includes(' ')) {
        expect(id.fullPath).toBe('"C:\\Web Apps\\venvs\\foo\\Scripts\\python.exe"');
        expect(id.arguments).toBe('"C:\\Web Apps\\venvs\\foo\\Lib\\site-packages\\wfastcgi.py"');
      }
    }
  });
});

describe('== pins as pip reads them (PEP 440)', () => {
  it('a wildcard pin is a prefix match; zeros are padded; === is exact', async () => {
    const { pinMatches } = await import('./steps/packages');
    expect(pinMatches('==5.2.*', '5.2.18')).toBe(true);
    expect(pinMatches('==5.2.*', '5.2')).toBe(true);
    expect(pinMatches('==5.2.*', '5.20.1')).toBe(false);
    expect(pinMatches('==5.2.*', '6.1.1')).toBe(false);
    expect(pinMatches('==5.2', '5.2.0')).toBe(true);
    expect(pinMatches('==5.2.18', '5.2.18')).toBe(true);
    expect(pinMatches('==5.2.18', '5.2.19')).toBe(false);
    expect(pinMatches('===5.2', '5.2.0')).toBe(false);
  });
});
