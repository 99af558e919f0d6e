import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, defaultConfig, derive, parseConfig } from '../../src/shared/config';

const problems = (input: unknown) => {
  const r = parseConfig(input);
  if (r.ok) throw new Error('expected problems');
  return r.problems;
};

describe('DeploymentConfig', () => {
  it('defaults to the guide: site foo on port 81, C:\\apps\\foo, C:\\virtualenvs\\foo', () => {
    const c = defaultConfig();
    expect(c).toMatchObject({ siteName: 'foo', port: 81, hostName: '', appDir: 'C:\\apps\\foo', venvDir: 'C:\\virtualenvs\\foo', djangoProject: { sample: 'foo' } });
    expect(derive(c)).toMatchObject({ pythonDir: 'C:\\Python314', pythonVersion: '3.14.6' });
    const d = derive(c);
    expect(d.appPool).toBe('foo');
    expect(d.settingsModule).toBe('foo.settings');
    expect(d.staticRoot).toBe('C:\\apps\\foo\\foo\\static');
    expect(d.settingsFile).toBe('C:\\apps\\foo\\foo\\settings.py');
    expect(d.venvPython).toBe('C:\\virtualenvs\\foo\\Scripts\\python.exe');
    expect(d.wfastcgiScript).toBe('C:\\virtualenvs\\foo\\Lib\\site-packages\\wfastcgi.py');
  });

  it.each([
    [{ siteName: 'my/site' }, 'siteName', 'character IIS does not allow'],
    [{ appPool: 'pool:1' }, 'appPool', 'character IIS does not allow'],
    [{ port: 0 }, 'port', 'from 1 to 65535'],
    [{ port: 65536 }, 'port', 'from 1 to 65535'],
    [{ pythonInstaller: 'C:\\drop\\python-3.13.14-amd64.exe', pythonVersion: '3.14.6' }, 'pythonInstaller', 'installer of Python 3.13.14 but pythonVersion is 3.14.6'],
    [{ port: '81' }, 'port', 'must be a number'],
    [{ appDir: 'apps\\foo' }, 'appDir', 'not an absolute Windows path'],
    [{ venvDir: '/opt/venv' }, 'venvDir', 'uses "/"'],
    [{ appDir: "C:\\apps\\o'brien" }, 'appDir', "contains a ' (single quote)"],
    [{ settingsModule: 'foo-bar.settings', djangoProject: { folder: 'C:\\src\\app' } }, 'settingsModule', 'dotted Python module name'],
    [{ hostName: 'http://example.com' }, 'hostName', 'DNS name'],
    [{ staticUrl: 'static' }, 'staticUrl', 'start and end with "/"'],
    [{ fastCgi: { requestTimeout: 5 } }, 'fastCgi.requestTimeout', 'at least 10'],
  ])('rejects %j naming %s', (input, key, text) => {
    const p = problems(input);
    expect(p.map((x) => x.key)).toContain(key);
    expect(p.find((x) => x.key === key)?.message).toContain(text);
  });

  it('rejects unknown keys at the top level and inside objects, naming them', () => {
    expect(problems({ sitename: 'foo' })[0]?.message).toContain('unknown key "sitename"');
    expect(problems({ fastCgi: { maxInstance: 4 } })[0]).toMatchObject({ key: 'fastCgi' });
    expect(problems({ fastCgi: { maxInstance: 4 } })[0]?.message).toContain('"maxInstance"');
  });

  it('rejects a venv inside nothing but itself and a sample project with a foreign settings module', () => {
    expect(problems({ venvDir: 'C:\\apps\\foo' })[0]?.key).toBe('venvDir');
    expect(problems({ settingsModule: 'other.settings' })[0]?.key).toBe('settingsModule');
  });

  it('keeps deploy.schema.json in step with the zod schema', () => {
    const onDisk = JSON.parse(readFileSync(new URL('../../deploy.schema.json', import.meta.url), 'utf8')) as unknown;
    expect(onDisk).toEqual(configJsonSchema());
  });
});

describe('the Python version from a handed-over installer', () => {
  it('the installer decides when pythonVersion is absent; a project asking for another X.Y is warned about', async () => {
    const { resolveConfig } = await import('../../src/main/engine/resolve');
    const { config: cfg, freshHost } = await import('./helpers');
    const h = freshHost();
    try {
      await h.writeFile('C:\\drop\\app\\runtime.txt', 'python-3.11.4\n');
      const r = await resolveConfig(cfg({ pythonInstaller: 'C:\\drop\\python-3.13.14-amd64.exe', djangoProject: { folder: 'C:\\drop\\app' }, settingsModule: 'app.settings' }), h);
      expect(r.config.pythonVersion).toBe('3.13.14');
      expect(derive(r.config).pythonDir).toBe('C:\\Python313');
      expect(r.notes.join('\n')).toContain('the project asks for Python 3.11.4 (runtime.txt) but the installer given is Python 3.13.14');
      const same = await resolveConfig(cfg({ pythonInstaller: 'C:\\drop\\python-3.11.9-amd64.exe', djangoProject: { folder: 'C:\\drop\\app' }, settingsModule: 'app.settings' }), h);
      expect(same.config.pythonVersion).toBe('3.11.9');
      expect(same.notes.join('\n')).not.toContain('WARNING');
    } finally {
      await h.dispose();
    }
  });
});
