/**
 * The exported PowerShell script, parsed with a real PowerShell grammar (tree-sitter-powershell):
 * it is well formed, every exec action of a fresh plan appears as a call with exactly its
 * arguments inside its own step's guard, and hostile configuration text (quotes of every kind,
 * $(), backticks, ;, #, newlines) ends up only inside string literals.
 */
import { describe, expect, it } from 'vitest';
import { defaultConfig, type DeploymentConfig } from '../../src/shared/config';
import { PS_SINGLE_QUOTE_CHARS, psQuote } from '../../src/shared/safety';
import type { Plan } from '../../src/shared/plan';
import { plan } from '../../src/main/engine/engine';
import { exportPowerShell, legacyNativeArg, renderPowerShell } from '../../src/main/export/powershell';
import { main } from '../../src/main/cli/cli';
import { config, freshHost } from './helpers';
import { commandLineToArgv, decodeVerbatim, inside, KNOWN_COMMANDS, legacyCommandLine, occurrences, parsePowerShell } from './powershell-grammar';

// The Authenticode check is written as PowerShell itself (Get-AuthenticodeSignature), not as a call of powershell.exe.
const isSignatureCheck = (a: Plan['steps'][number]['actions'][number]) => a.kind === 'exec' && a.file.endsWith('powershell.exe');
const execsOf = (p: Plan) => p.steps.flatMap((s) => s.actions.filter((a) => a.kind === 'exec' && !isSignatureCheck(a)).map((a) => ({ step: s.id, argv: a.kind === 'exec' ? [a.file, ...a.args] : [] })));


async function checkScript(script: string, p: Plan) {
  const parsed = await parsePowerShell(script);
  expect(parsed.errors).toEqual([]);
  expect(parsed.hasError).toBe(false);
  const execs = execsOf(p);
  // What the program receives: the script's literals, put on a command line by PowerShell's legacy
  // argument passing, split again by the program's C runtime.
  const received = (args: string[]) => commandLineToArgv(legacyCommandLine(args));
  const same = (c: (typeof parsed.calls)[number], e: (typeof execs)[number]) => {
    if (c.name !== e.argv[0]) return false;
    const got = received(c.args);
    return got.length === e.argv.length - 1 && e.argv.slice(1).every((x, i) => x === got[i]);
  };
  const actionCalls = parsed.calls.filter((c) => c.invocation && execs.some((e) => same(c, e)));
  expect(actionCalls.length).toBe(execs.length);
  for (const e of execs) expect(actionCalls.some((c) => same(c, e) && c.step === e.step && c.guarded), JSON.stringify(e)).toBe(true);
  for (const c of parsed.calls) if (!c.invocation) expect(KNOWN_COMMANDS, `unexpected command ${c.name}`).toContain(c.name);
  for (const a of p.steps.flatMap((s) => s.actions.filter(isSignatureCheck))) if (a.kind === 'exec') expect(script).toContain(`$sig = Get-AuthenticodeSignature -LiteralPath '${a.env?.DJANGO_IIS_SETUP_FILE ?? ''}'`);
  return parsed;
}

describe('export --format powershell', () => {
  it('has every exec action of the plan, with exactly its arguments, guarded by its step\'s check', async () => {
    const c = defaultConfig();
    const h = freshHost();
    const p = await plan(c, h);
    await h.dispose();
    const script = renderPowerShell(c, p);
    expect(script.startsWith('#Requires -Version 5.1\r\n#Requires -RunAsAdministrator')).toBe(true);
    expect(execsOf(p).length).toBeGreaterThan(15);
    const parsed = await checkScript(script, p);
    // one guarded "if" per step, in the DAG's order
    const stepComments = [...script.matchAll(/^# ---- Step: (\S+)/gm)].map((m) => m[1]);
    expect(stepComments).toEqual(p.steps.map((s) => s.id));
    // (plus the one that sets PowerShell 7.3+ to legacy argument passing)
    expect(parsed.topLevel.filter((t) => t === 'if_statement').length).toBe(p.steps.length + 1);
    // the settings block is one single-quoted literal holding the managed block
    expect(script).toContain("$block = '# BEGIN Django IIS Setup");
  });

  it('server "httpplatform": the module\'s MSI, waitress and the site\'s httpPlatform settings, each guarded by its step', async () => {
    const c = config({ server: 'httpplatform' });
    const h = freshHost();
    const p = await plan(c, h);
    await h.dispose();
    const script = renderPowerShell(c, p);
    await checkScript(script, p);
    expect(script).toContain("& 'msiexec.exe' '/i' 'C:\\ProgramData\\DjangoIISSetup\\downloads\\httpPlatformHandler_amd64.msi' '/quiet' '/norestart'");
    expect(script).toContain("'/arguments:-m waitress --listen=127.0.0.1:%HTTP_PLATFORM_PORT% foo.wsgi:application'");
    expect(script).toContain("modules=''httpPlatformHandler''");
    expect(script).not.toContain('-section:system.webServer/fastCgi');
    expect(script).not.toContain("'wfastcgi'");
    // a generated secret key is made by the script when it runs, never written into it
    const withKey = await exportPowerShell(config({ server: 'httpplatform', secretKey: { env: 'DJANGO_SECRET_KEY' } }));
    expect(withKey).toMatch(/-section:system\.webServer\/httpPlatform' \('\/\+environmentVariables\.\[name=''DJANGO_SECRET_KEY'',value=''' \+ \$DjangoSecretKey \+ '''\]'\)/);
  });

  it('quotes a value with spaces safely', async () => {
    const script = await exportPowerShell(config({ venvDir: 'C:\\Web Apps\\venvs\\foo' }));
    expect((await parsePowerShell(script)).errors).toEqual([]);
    // written for PowerShell 5.1's legacy passing: the embedded double quotes escaped as \" ...
    expect(script).toContain(`'/+[fullPath=''\\"C:\\Web Apps\\venvs\\foo\\Scripts\\python.exe\\"'',arguments=''\\"C:\\Web Apps\\venvs\\foo\\Lib\\site-packages\\wfastcgi.py\\"''`);
    expect(script).toContain("$PSNativeCommandArgumentPassing = 'Legacy'");
    expect(script).toContain('# Paths with spaces');
    // ... so appcmd receives the argument the engine runs, with its plain quotes
    const arg = "/+[fullPath='\"C:\\Web Apps\\venvs\\foo\\Scripts\\python.exe\"',x='y']";
    expect(commandLineToArgv(legacyCommandLine([legacyNativeArg(arg)]))).toEqual([arg]);
    // without the escaping, PowerShell 5.1 would split it and drop the quotes
    expect(commandLineToArgv(legacyCommandLine([arg]))).not.toEqual([arg]);
  });

  it.each([
    ['a folder with a space and a trailing backslash', 'C:\\my dir\\'],
    ['quotes and backslashes before them', 'a\\"b\\\\"c d'],
    ['nothing special', '/name:foo'],
    ['only a space', 'IIS AppPool\\foo:(OI)(CI)RX'],
  ])('legacy argument passing round-trips %s', (_l, arg) => {
    expect(commandLineToArgv(legacyCommandLine([legacyNativeArg(arg), 'next']))).toEqual([arg, 'next']);
  });
});

describe('PowerShell quoting', () => {
  const classes: Record<string, string> = {
    'ASCII quote': "a'b",
    'U+2018': 'a\u2018b',
    'U+2019': 'a\u2019b',
    'U+201A': 'a\u201Ab',
    'U+201B': 'a\u201Bb',
    'all quotes doubled already': "''\u2019\u2019",
    'double quotes and look-alikes': 'a"b\u201Cc\u201Dd\u201Ee',
    'subexpression': '$(Stop-Computer -Force)',
    'variable': '$env:TEMP $x ${y}',
    backtick: 'a`nb`',
    'statement separators': 'a; Stop-Computer; b & c | d',
    comment: '# not a comment <# nor this #>',
    newline: 'a\nStop-Computer -Force\r\nb',
    'line separators': 'a\u2028b\u2029c\u0085d',
    'here-string markers': "@'\n'@\n@\"\n\"@",
    braces: '}{)(][',
    'non-ASCII': 'Grüße 你好 \u{1F600}',
    empty: '',
    'ends with a quote': "x'",
    'only a look-alike': '\u2019',
  };
  it.each(Object.entries(classes))('%s: one literal that PowerShell reads back as the same text', async (_name, value) => {
    const script = `Write-Host ${psQuote(value)}\r\nWrite-Host 'after'\r\n`;
    const parsed = await parsePowerShell(script);
    expect(parsed.errors).toEqual([]);
    expect(parsed.calls.map((c) => c.name)).toEqual(['Write-Host', 'Write-Host']);
    expect(parsed.calls[0]?.args).toEqual([value]);
    expect(decodeVerbatim(psQuote(value))).toBe(value);
  });

  it('doubles every PowerShell single-quote character and nothing else', () => {
    for (const q of PS_SINGLE_QUOTE_CHARS) expect(psQuote(`x${q}y`)).toBe(`'x${q}${q}y'`);
    expect(psQuote('a"b$c`d')).toBe('\'a"b$c`d\'');
  });
});

describe('hostile configuration text in the export', () => {
  // IIS forbids $ ; & | in site names; these pass its rules and still mean code to PowerShell.
  const HOSTILE_NAME = 'x`#(Stop-Computer -Force){}';

  it('refuses, with exit 2, values PowerShell or appcmd cannot carry, naming the key and the character', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ siteName: 'x\nStop-Computer -Force #' }, 'siteName', 'line feed'],
      [{ siteName: 'x\u2019; Stop-Computer #' }, 'siteName', 'U+2019'],
      [{ siteName: 'x\u2018y' }, 'siteName', 'U+2018'],
      [{ appDir: 'C:\\apps\\o\u2019brien' }, 'appDir', 'U+2019'],
      [{ appDir: "C:\\apps\\o'brien" }, 'appDir', "'"],
      [{ environment: { A: "x'; Stop-Computer #" } }, 'environment', "'"],
      [{ environment: { A: 'x\r\nStop-Computer' } }, 'environment', 'carriage return'],
    ];
    for (const [cfg, key, ch] of cases) {
      const out: string[] = [];
      const err: string[] = [];
      const { writeFileSync, mkdtempSync } = await import('node:fs');
      const os = await import('node:os');
      const dir = mkdtempSync(`${os.tmpdir()}/hostile-`);
      writeFileSync(`${dir}/deploy.json`, JSON.stringify(cfg));
      const code = await main(['export', '--format', 'powershell', '--config', `${dir}/deploy.json`], { out: (s) => out.push(s), err: (s) => err.push(s) });
      expect(code, JSON.stringify(cfg)).toBe(2);
      expect(out).toEqual([]);
      expect(err.join('\n')).toContain(key);
      expect(err.join('\n')).toContain(ch);
      const { rmSync } = await import('node:fs');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a valid config holding $(), backticks, ;, #, & and typographic double quotes: the text is only inside string literals', async () => {
    const c = config({ siteName: HOSTILE_NAME, appDir: 'C:\\apps\\x$(Stop-Computer);`#', venvDir: 'C:\\venvs\\a b #(Stop-Computer)', environment: { NOTE: 'Stop-Computer -Force; $(Stop-Computer) `# \u2019\u2018\u201A\u201B' } });
    const script = await exportPowerShell(c);
    const h = freshHost();
    const p = await plan(c, h);
    await h.dispose();
    const parsed = await checkScript(script, p);
    const hits = occurrences(script, 'Stop-Computer');
    expect(hits.length).toBeGreaterThan(5);
    for (const i of hits) expect(inside(parsed.literals, i, 'Stop-Computer'.length), script.slice(Math.max(0, i - 80), i + 40)).toBe(true);
  });

  it('even an unvalidated configuration with every hostile character cannot leave its string literals', async () => {
    const c = defaultConfig();
    const evil = "e'\u2018\u2019\u201A\u201B$(Stop-Computer)`\n;Stop-Computer #\r\n'@ Stop-Computer";
    const hostile: DeploymentConfig = { ...c, siteName: evil, appDir: `C:\\apps\\${evil}`, venvDir: `C:\\v\\${evil}`, staticUrl: `/s${evil}/` };
    const h = freshHost();
    const p = await plan(c, h);
    await h.dispose();
    // the same plan, with the hostile text in every action's description and arguments
    const evilPlan: Plan = { ...p, steps: p.steps.map((s) => ({ ...s, actions: s.actions.map((a) => (a.kind === 'exec' ? { ...a, description: `${a.description} ${evil}`, args: [...a.args, evil] } : a)) })) };
    const script = renderPowerShell(hostile, evilPlan);
    const parsed = await checkScript(script, evilPlan);
    for (const i of occurrences(script, 'Stop-Computer')) expect(inside(parsed.literals, i, 'Stop-Computer'.length), script.slice(Math.max(0, i - 80), i + 40)).toBe(true);
  });
});

describe('export for Windows Server 2012 R2', () => {
  it('picks Python 3.12 (the last for 2012 R2) and says so, says WMF 5.1 is needed, and parses', async () => {
    const c = defaultConfig();
    const script = await exportPowerShell(c, { windows: '2012r2' });
    expect(script).toContain('python-3.12.10-amd64.exe');
    expect(script).not.toContain('python-3.14');
    expect(script).toContain('Python 3.12.10: the newest Python that runs on Windows Server 2012 R2');
    expect(script).toContain('install Windows Management Framework 5.1 (KB3191564)');
    const h = freshHost();
    const p = await plan({ ...c, pythonVersion: '3.12.10' }, h);
    await h.dispose();
    await checkScript(script, p);
    // the other targets keep the default Python
    expect(await exportPowerShell(c, { windows: '2019' })).toContain('python-3.14.6');
  });

  it('refuses a Python newer than 3.12 for 2012 R2, through the CLI too, writing nothing', async () => {
    await expect(exportPowerShell(config({ pythonVersion: '3.14.6' }), { windows: '2012r2' })).rejects.toThrow(/3\.12 is the last Python/);
    const { mkdtempSync, writeFileSync, existsSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'export-2012-'));
    writeFileSync(path.join(dir, 'deploy.json'), JSON.stringify({ pythonVersion: '3.14.6' }));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['export', '--format', 'powershell', '--windows', '2012r2', '--config', path.join(dir, 'deploy.json'), '--out', path.join(dir, 'x.ps1')], { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('Nothing was written: Python 3.14.6 does not run on Windows Server 2012 R2');
    expect(existsSync(path.join(dir, 'x.ps1'))).toBe(false);
    expect(await main(['export', '--format', 'powershell', '--windows', '2008'], { out: () => undefined, err: (l) => err.push(l) })).toBe(2);
    expect(err.at(-1)).toContain('--windows 2008 is not one of 2012r2');
    rmSync(dir, { recursive: true, force: true });
  });

  it('its final check is the site check (home page, admin login, admin CSS as text/css), not a status that $null passes', async () => {
    const script = await exportPowerShell(defaultConfig());
    const last = script.slice(script.indexOf('# ---- Step: verification'));
    expect(last).toContain("if (-not (Test-DjangoSite -Base 'http://localhost:81' -HostName '' -StaticUrl '/static/'))");
    expect(script).toContain("$css.ContentType -notlike 'text/css*'");
    expect(script).not.toMatch(/StatusCode -lt 500/);
  });
});
