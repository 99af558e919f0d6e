/** appcmd's grammar, from the documented examples (iis-docs "Getting started with AppCmd.exe", windows-iis.md §3). */
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseAppcmdArgs, parsePath, runAppcmd } from './appcmd';
import { SimulatedServer } from './server';

let s: SimulatedServer;
const run = (...args: string[]) => runAppcmd(s, args);
const FP = 'C:\\virtualenvs\\foo\\Scripts\\python.exe';
const AR = 'C:\\virtualenvs\\foo\\Lib\\site-packages\\wfastcgi.py';
const SEL = `[fullPath='${FP}',arguments='${AR}']`;

beforeEach(() => {
  s = SimulatedServer.open(mkdtempSync(path.join(os.tmpdir(), 'appcmd-')), { iis: 'with-cgi' });
});

describe('argument parsing', () => {
  it('splits verb, object, identifier, parameters and config expressions', () => {
    const p = parseAppcmdArgs(['set', 'config', 'foo', '-section:system.webServer/handlers', "/+[name='a',path='*']", '/commit:apphost']);
    expect(p).toMatchObject({ verb: 'set', object: 'config', id: 'foo', params: [{ name: 'section', value: 'system.webServer/handlers' }, { name: 'commit', value: 'apphost' }] });
    expect(p.exprs).toHaveLength(1);
    expect(p.exprs[0]?.op).toBe('+');
  });

  it('keeps colons and commas inside quoted values', () => {
    const tokens = parsePath(`${SEL}.environmentVariables.[name='PYTHONPATH',value='C:\\apps\\foo,C:\\lib']`);
    expect(tokens).toEqual([
      { kind: 'select', attrs: [['fullPath', FP], ['arguments', AR]], raw: SEL },
      { kind: 'name', name: 'environmentVariables' },
      { kind: 'select', attrs: [['name', 'PYTHONPATH'], ['value', 'C:\\apps\\foo,C:\\lib']], raw: "[name='PYTHONPATH',value='C:\\apps\\foo,C:\\lib']" },
    ]);
    const p = parseAppcmdArgs(['set', 'config', '-section:system.webServer/fastCgi', `/${SEL}.requestTimeout:600`]);
    expect(p.exprs[0]).toMatchObject({ op: '=', value: '600' });
  });

  it.each([
    [["/+[name='a"], 'Check the quotes and brackets'],
    [['/+[name=a,,]'], 'Malformed collection indexer'],
    [["/+[name='a']]"], 'Check the quotes and brackets'],
  ])('rejects malformed indexers %j', (extra, msg) => {
    const r = run('set', 'config', '-section:system.webServer/handlers', ...extra);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toMatch(/^ERROR \( message:/);
    expect(r.stdout).toContain(msg);
  });
});

describe('valid forms change applicationHost.config', () => {
  it('add apppool, add site (creating app and root vdir), set app, add vdir', () => {
    expect(run('add', 'apppool', '/name:foo', '/managedRuntimeVersion:').stdout).toBe('APPPOOL object "foo" added\r\n');
    expect(run('add', 'site', '/name:foo', '/bindings:http/*:81:', '/physicalPath:C:\\apps\\foo').stdout).toBe('SITE object "foo" added\r\nAPP object "foo/" added\r\nVDIR object "foo/" added\r\n');
    expect(run('set', 'app', 'foo/', '/applicationPool:foo').stdout).toBe('APP object "foo/" changed\r\n');
    expect(run('add', 'vdir', '/app.name:foo/', '/path:/static', '/physicalPath:C:\\apps\\foo\\foo\\static').stdout).toBe('VDIR object "foo/static" added\r\n');
    const cfg = s.appHostText();
    expect(cfg).toContain('<add name="foo" managedRuntimeVersion="" />');
    expect(cfg).toMatch(/<site name="foo" id="2">\s*<application path="\/" applicationPool="foo">\s*<virtualDirectory path="\/" physicalPath="C:\\apps\\foo" \/>\s*<virtualDirectory path="\/static"/);
    expect(run('list', 'site', 'foo').stdout).toBe('SITE "foo" (id:2,bindings:http/*:81:,state:Started)\r\n');
    expect(run('list', 'app', 'foo/').stdout).toBe('APP "foo/" (applicationPool:foo)\r\n');
    expect(run('list', 'vdir', '/app.name:foo/').stdout).toContain('VDIR "foo/static" (physicalPath:C:\\apps\\foo\\foo\\static)');
  });

  it('FastCGI: /+ an application, /+ its environment variables, /[key].attr:value, /-', () => {
    expect(run('set', 'config', '-section:system.webServer/fastCgi', `/+${SEL.slice(0, -1)},signalBeforeTerminateSeconds='30']`, '/commit:apphost').stdout).toContain('Applied configuration changes to section "system.webServer/fastCgi" for "MACHINE/WEBROOT/APPHOST"');
    expect(run('set', 'config', '-section:system.webServer/fastCgi', `/+${SEL}.environmentVariables.[name='DJANGO_SETTINGS_MODULE',value='foo.settings']`, '/commit:apphost').exitCode).toBe(0);
    expect(run('set', 'config', '-section:system.webServer/fastCgi', `/${SEL}.requestTimeout:600`, '/commit:apphost').exitCode).toBe(0);
    expect(run('set', 'config', '-section:system.webServer/fastCgi', `/${SEL}.environmentVariables.[name='DJANGO_SETTINGS_MODULE'].value:bar.settings`, '/commit:apphost').exitCode).toBe(0);
    const xml = run('list', 'config', '-section:system.webServer/fastCgi', '/xml').stdout;
    expect(xml).toContain(`<application fullPath="${FP}" arguments="${AR}" signalBeforeTerminateSeconds="30" requestTimeout="600">`);
    expect(xml).toContain('<environmentVariable name="DJANGO_SETTINGS_MODULE" value="bar.settings" />');
    expect(run('set', 'config', '-section:system.webServer/fastCgi', `/-${SEL}`, '/commit:apphost').exitCode).toBe(0);
    expect(run('list', 'config', '-section:system.webServer/fastCgi', '/xml').stdout).not.toContain('<application');
  });

  it('handlers at a site go into a <location> with /commit:apphost and take precedence over inherited ones; /- at a child path writes <remove>', () => {
    run('add', 'apppool', '/name:foo');
    run('add', 'site', '/name:foo', '/bindings:http/*:81:', '/physicalPath:C:\\apps\\foo');
    run('add', 'vdir', '/app.name:foo/', '/path:/static', '/physicalPath:C:\\apps\\foo\\static');
    expect(run('set', 'config', 'foo', '-section:system.webServer/handlers', `/+[name='Django Handler',path='*',verb='*',modules='FastCgiModule',scriptProcessor='${FP}|${AR}',resourceType='Unspecified',requireAccess='Script']`, '/commit:apphost').exitCode).toBe(0);
    const site = run('list', 'config', 'foo', '-section:system.webServer/handlers', '/xml').stdout;
    expect(site.indexOf('name="Django Handler"')).toBeLessThan(site.indexOf('name="StaticFile"'));
    expect(run('set', 'config', 'foo/static', '-section:system.webServer/handlers', "/-[name='Django Handler']", '/commit:apphost').exitCode).toBe(0);
    expect(s.appHostText()).toMatch(/<location path="foo\/static">\s*<system.webServer>\s*<handlers>\s*<remove name="Django Handler" \/>/);
    expect(run('list', 'config', 'foo/static', '-section:system.webServer/handlers', '/xml').stdout).not.toContain('Django Handler');
  });

  it('unlock config lets a web.config define handlers', () => {
    run('add', 'site', '/name:foo', '/bindings:http/*:81:', '/physicalPath:C:\\apps\\foo');
    expect(run('unlock', 'config', '-section:system.webServer/handlers').stdout).toContain('Unlocked section "system.webServer/handlers" at configuration path "MACHINE/WEBROOT/APPHOST"');
    expect(run('set', 'config', 'foo', '-section:system.webServer/handlers', "/+[name='x',path='*.x',verb='*',modules='StaticFileModule']").exitCode).toBe(0);
    expect(readFileSync(s.toReal('C:\\apps\\foo\\web.config'), 'utf8')).toContain('<add name="x" path="*.x" verb="*" modules="StaticFileModule" />');
  });

  it('backups: add, list, restore', () => {
    expect(run('add', 'backup', 'before').stdout).toBe('BACKUP object "before" added\r\n');
    run('add', 'apppool', '/name:foo');
    expect(run('list', 'backup').stdout).toBe('BACKUP "before"\r\n');
    expect(run('restore', 'backup', 'before').exitCode).toBe(0);
    expect(run('list', 'apppool', 'foo').exitCode).not.toBe(0);
  });
});

describe('invalid forms fail as IIS does and change nothing', () => {
  const unchanged = (f: () => void) => {
    const before = s.appHostText();
    f();
    expect(s.appHostText()).toBe(before);
  };

  it.each([
    [['list', 'site', 'nosuch'], 'Cannot find SITE object with identifier "nosuch".'],
    [['set', 'app', 'nosuch/', '/applicationPool:x'], 'Cannot find APP object with identifier "nosuch/".'],
    [['add', 'apppool', '/name:foo', '/managedRuntimeVersoin:'], 'Unknown attribute "managedRuntimeVersoin".  Replace with -? for help.'],
    [['add', 'apppool', '/name:a/b'], 'Invalid application pool name'],
    [['add', 'apppool', '/name:p', '/managedPipelineMode:Fast'], 'Enum must be one of Integrated, Classic'],
    [['add', 'site', '/name:foo', '/bindings:http/*:99999:', '/physicalPath:C:\\x'], 'is invalid'],
    [['add', 'site', '/name:foo', '/bindings:http:81', '/physicalPath:C:\\x'], 'Invalid binding'],
    [['set', 'config', '-section:system.webServer/fastCgi', `/+[fullPath='${FP}',arguments='${AR}',requestTimeout='5']`, '/commit:apphost'], 'Integer value must be between 10 and 2592000 inclusive.'],
    [['set', 'config', '-section:system.webServer/fastCgi', `/+[fullPath='${FP}',argumentz='${AR}']`, '/commit:apphost'], 'Unknown attribute "argumentz"'],
    [['set', 'config', '-section:system.webServer/handlers', "/+[name='x',verb='*']", '/commit:apphost'], 'Missing required attribute "path"'],
    [['set', 'config', '-section:system.webServer/handlerz', "/+[name='x']"], 'Unknown config section'],
    [['set', 'config', '-section:system.webServer/fastCgi', `/-${SEL}`, '/commit:apphost'], 'Cannot find requested collection element.'],
    [['frobnicate', 'site'], 'The verb "frobnicate" is not supported'],
    [['list', 'widgets'], 'Object type "widgets" is not supported'],
  ])('%j → %s', (args, message) => {
    unchanged(() => {
      const r = run(...args);
      expect(r.exitCode).not.toBe(0);
      expect(r.stdout).toContain(`ERROR ( message:`);
      expect(r.stdout).toContain(message);
    });
  });

  it('a duplicate entry is refused on a re-run (the reason to check before adding)', () => {
    const add = ['set', 'config', '-section:system.webServer/fastCgi', `/+${SEL}`, '/commit:apphost'];
    expect(run(...add).exitCode).toBe(0);
    unchanged(() => {
      const r = run(...add);
      expect(r.exitCode).toBe(183);
      expect(r.stdout).toContain(`Cannot add duplicate collection entry of type 'application' with combined key attributes 'fullPath, arguments' respectively set to '${FP}, ${AR}'`);
    });
    run('add', 'apppool', '/name:foo');
    expect(run('add', 'apppool', '/name:foo').stdout).toContain('Failed to add duplicate collection element "foo".');
    run('add', 'site', '/name:foo', '/bindings:http/*:81:', '/physicalPath:C:\\apps\\foo');
    const h = ['set', 'config', 'foo', '-section:system.webServer/handlers', "/+[name='Django Handler',path='*',verb='*',modules='FastCgiModule']", '/commit:apphost'];
    expect(run(...h).exitCode).toBe(0);
    expect(run(...h).stdout).toContain("Cannot add duplicate collection entry of type 'add' with unique key attribute 'name' set to 'Django Handler'");
  });

  it('handlers are locked at server level: a site web.config write is refused without /commit:apphost', () => {
    run('add', 'site', '/name:foo', '/bindings:http/*:81:', '/physicalPath:C:\\apps\\foo');
    unchanged(() => {
      const r = run('set', 'config', 'foo', '-section:system.webServer/handlers', "/+[name='Django Handler',path='*',verb='*',modules='FastCgiModule']");
      expect(r.exitCode).not.toBe(0);
      expect(r.stdout).toContain('This configuration section cannot be used at this path. This happens when the section is locked at a parent level.');
    });
  });

  it('fastCgi may only be set at server level (AppHostOnly)', () => {
    run('add', 'site', '/name:foo', '/bindings:http/*:81:', '/physicalPath:C:\\apps\\foo');
    const r = run('set', 'config', 'foo', '-section:system.webServer/fastCgi', `/+${SEL}`, '/commit:apphost');
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toContain('AppHostOnly');
  });

  it('everything is refused without elevation', () => {
    s.state.elevated = false;
    const r = run('list', 'sites');
    expect(r.exitCode).toBe(5);
    expect(r.stdout).toContain('Access is denied.');
  });
});
