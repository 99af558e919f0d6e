/**
 * Exports the deployment as a standalone PowerShell 5.1 script: the same steps and commands,
 * each guarded by its check so a second run changes nothing (for servers where the GUI cannot
 * run, such as Server 2012 R2). The actions are the plan of a fresh server, computed on a
 * throw-away simulated Windows Server, so the script holds exactly what apply would run there.
 */
import { derive, type DeploymentConfig } from '../../shared/config';
import { resolveDeployment } from './release/layout';
import type { Action, Plan } from '../../shared/plan';
import type { Host } from './host';
import { APPCMD, AUTHENTICODE_SCRIPT, POWERSHELL } from './commands';
import { TOOL_APP_ID, appcmdHttps, httpsBindingInfo, sslKey } from './https/commands';
import { plan } from './engine';
import { INSTALLER_VERSIONS } from './resolve';
import { BLOCK_BEGIN, settingsBlock } from './settings-edit';
import { isGeneratedSecret, knownSecretIn, secretLabel } from '../../shared/problem';
import { psq } from './step';
import { orderedSteps, STEPS } from './steps';

/** Windows versions the script can be made for: 2012 R2 needs WMF 5.1 and Python 3.12 at most. */
export const EXPORT_TARGETS = ['2012r2', '2016', '2019', '2022', '2025'] as const;
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

/** The configuration cannot be exported for the target: nothing is written. */
export class ExportError extends Error {}

/**
 * An argument as it must be written for PowerShell's legacy native-argument passing (Windows
 * PowerShell 5.1; the script sets PowerShell 7.3+ to the same 'Legacy' mode): PowerShell wraps
 * an argument with whitespace in double quotes but escapes nothing, so a double quote inside
 * (appcmd's fullPath='"C:\Program Files\..."') and backslashes before it, or trailing
 * backslashes of a quoted argument, are escaped here as the program's argv parser
 * (CommandLineToArgvW) expects: the program then receives the argument exactly.
 */
export function legacyNativeArg(arg: string): string {
  if (!arg.includes('"') && !(/\s/.test(arg) && arg.endsWith('\\'))) return arg;
  let out = '';
  let slashes = 0;
  for (const ch of arg) {
    if (ch === '\\') {
      slashes++;
      continue;
    }
    out += ch === '"' ? `${'\\'.repeat(slashes * 2 + 1)}"` : `${'\\'.repeat(slashes)}${ch}`;
    slashes = 0;
  }
  return out + '\\'.repeat(/\s/.test(arg) ? slashes * 2 : slashes);
}

/** The generated SECRET_KEY is made by the script itself when it runs: never written into it. */
const SECRET_VAR = '$DjangoSecretKey';

/**
 * Secrets in the script: only the SECRET_KEY the tool would generate becomes the script's own
 * generated key; every other secret value (a password in DATABASE_URL, a token in the environment)
 * becomes a parameter of the script ($Secret1, ...: given on its command line, read from the
 * environment variable of the same name, or asked for), never written into it and never another value.
 */
class ScriptSecrets {
  readonly params: { name: string; label: string }[] = [];
  private readonly byValue = new Map<string, string>();

  variableFor(value: string): string {
    if (isGeneratedSecret(value)) return SECRET_VAR;
    let name = this.byValue.get(value);
    if (!name) {
      name = `$Secret${this.params.length + 1}`;
      this.byValue.set(value, name);
      this.params.push({ name, label: secretLabel(value) ?? 'a secret value of the configuration' });
    }
    return name;
  }

  /** A value as a PowerShell expression: a single-quoted literal, or literals joined with the secrets' variables. */
  value(v: string): string {
    const secret = knownSecretIn(v);
    if (!secret) return psq(v);
    const parts = v.split(secret);
    return `(${parts.map((p) => this.value(p)).join(` + ${this.variableFor(secret)} + `)})`;
  }

  /** The param() block and the prompts for what was not given. */
  header(): string[] {
    if (this.params.length === 0) return [];
    return [
      'param(',
      this.params.map((p) => `    # ${p.label.replace(/[\r\n]+/g, ' ')}\r\n    [string]${p.name} = $env:DJANGO_IIS_${p.name.slice(1).toUpperCase()}`).join(',\r\n'),
      ')',
    ];
  }

  prompts(): string[] {
    return this.params.map((p) => `if (-not ${p.name}) { ${p.name} = Read-Host -Prompt ${psq(`${p.label} (not written into this script)`)} }`);
  }
}

function regexEscape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`);
}

function psAction(a: Action, secrets: ScriptSecrets): string[] {
  switch (a.kind) {
    case 'exec': {
      if (a.file === POWERSHELL && a.args.includes(AUTHENTICODE_SCRIPT)) {
        const file = a.env?.DJANGO_IIS_SETUP_FILE ?? '';
        const signer = (a.env?.DJANGO_IIS_SETUP_SIGNERS ?? '').split('|')[0] ?? '';
        return [
          `    Write-Host ${psq(a.description)}`,
          `    $sig = Get-AuthenticodeSignature -LiteralPath ${psq(file)}`,
          `    if ($sig.Status -ne 'Valid' -or -not $sig.SignerCertificate -or $sig.SignerCertificate.Subject -notmatch ${psq(`(^|, )CN="?${regexEscape(signer)}"?(,|$)`)}) { throw (${psq(`${file} is not signed by ${signer}: `)} + $sig.Status) }`,
        ];
      }
      const ok = [...(a.okExitCodes ?? [0]), ...(a.restartExitCodes ?? [])];
      const lines: string[] = [];
      if (a.cwd) lines.push(`    Push-Location ${psq(a.cwd)}`);
      // manage.py gets the application's environment (names are validated identifiers)
      for (const [k, v] of Object.entries(a.env ?? {})) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) lines.push(`    $env:${k} = ${secrets.value(v)}`);
      // A secret the program reads from the environment (a PFX password): taken from the window's own variable, never written here.
      for (const [k, src] of Object.entries(a.secretEnv ?? {}))
        if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(src)) lines.push(`    if (-not $env:${src}) { throw ${psq(`Set $env:${src} (the PFX password) in this window first.`)} }`, `    $env:${k} = $env:${src}`);
      lines.push(`    & ${psq(a.file)} ${a.args.map((x) => secrets.value(legacyNativeArg(x))).join(' ')}`.trimEnd(), `    Assert-Exit -Codes @(${ok.join(', ')}) -What ${psq(a.description)}`);
      if (a.cwd) lines.push('    Pop-Location');
      return lines;
    }
    case 'mkdir':
      return [`    New-Item -ItemType Directory -Force -Path ${psq(a.path)} | Out-Null`];
    case 'remove':
      return [`    Remove-Item -Recurse -Force -Path ${psq(a.path)} -ErrorAction SilentlyContinue`];
    case 'download':
      return [
        `    Write-Host ${psq(a.description)}`,
        `    New-Item -ItemType Directory -Force -Path ${psq(a.path.slice(0, a.path.lastIndexOf('\\')))} | Out-Null`,
        `    [Net.ServicePointManager]::SecurityProtocol = [Net.SecurityProtocolType]::Tls12`,
        `    Invoke-WebRequest -UseBasicParsing -Uri ${psq(a.url)} -OutFile ${psq(a.path)}`,
      ];
    case 'writeFile':
      return [`    Write-Host ${psq(a.description)}`, `    New-Item -ItemType Directory -Force -Path ${psq(a.path.slice(0, a.path.lastIndexOf('\\')))} | Out-Null`, `    Set-Content -LiteralPath ${psq(a.path)} -Encoding UTF8 -Value ${psq(a.content)}`];
    case 'forget':
      return [];
    // The script deploys one release in place of nothing: the tool's release history (and going
    // back) is the tool's, not the script's.
    case 'release':
      return [`    # ${a.description}: the release history is kept by Django IIS Setup, not by this script`];
    case 'probe':
      return [
        `    Write-Host ${psq(a.description)}`,
        ...a.urls.map((u) => `    try { $r = Invoke-WebRequest -UseBasicParsing -Uri ${psq(`http://localhost:${a.port}${u}`)}; if ($r.StatusCode -ge 400) { throw "HTTP $($r.StatusCode)" } } catch { throw (${psq(`${u} on port ${a.port} failed: `)} + $_) }`),
      ];
    case 'editFile':
      if (a.transform === 'remove-django-settings') return [];
      if (a.transform === 'web-config-without-handlers')
        return [
          `    Write-Host ${psq(a.description)}`,
          `    $wc = [IO.File]::ReadAllText(${psq(a.path)})`,
          // Comments are matched first and kept, so a <handlers> inside a comment is not cut.
          `    $wc = [regex]::Replace($wc, '(?s)(?<c><!--.*?-->)|[ \\t]*<handlers\\b[^>]*?(?:/>|>.*?</handlers\\s*>)[ \\t]*(\\r?\\n)?', { param($m) if ($m.Groups['c'].Success) { $m.Value } else { '' } })`,
          `    [IO.File]::WriteAllText(${psq(a.path)}, $wc)`,
        ];
      return [
        `    Write-Host ${psq(a.description)}`,
        `    $settings = Get-Content -Raw -Path ${psq(a.path)}`,
        `    $begin = $settings.IndexOf(${psq(BLOCK_BEGIN)})`,
        '    if ($begin -ge 0) { $settings = $settings.Substring(0, $begin) }',
        `    $block = ${psq(settingsBlock(a.values))}`,
        `    [IO.File]::WriteAllText(${psq(a.path)}, $settings.TrimEnd() + "\`n\`n" + $block + "\`n")`,
      ];
  }
}

/** The site check of the script's last step: the home page, the admin login and its CSS, as verify does. */
const PS_SITE_CHECK = [
  '# GET over .NET (Invoke-WebRequest in 5.1 cannot set a Host header and throws on 4xx/5xx): $null when nothing answers.',
  'function Get-Http([string]$Url, [string]$HostName) {',
  '    $req = [Net.HttpWebRequest]::Create($Url)',
  '    if ($HostName) { $req.Host = $HostName }',
  '    $req.AllowAutoRedirect = $false',
  '    $req.UseDefaultCredentials = $true',
  '    $req.Timeout = 60000',
  '    try { $resp = $req.GetResponse() } catch [Net.WebException] { $resp = $_.Exception.Response }',
  '    if ($null -eq $resp) { return $null }',
  '    $reader = New-Object IO.StreamReader($resp.GetResponseStream())',
  '    $text = $reader.ReadToEnd()',
  '    $resp.Close()',
  '    return [pscustomobject]@{ Status = [int]$resp.StatusCode; ContentType = [string]$resp.ContentType; Body = $text }',
  '}',
  'function Test-DjangoSite([string]$Base, [string]$HostName, [string]$StaticUrl) {',
  '    $page = Get-Http ($Base + \'/\') $HostName',
  "    if ($null -eq $page -or $page.Body -match 'HTTP Error \\d{3}\\.\\d+' -or ($page.Status -ge 400 -and $page.Status -ne 404)) { Write-Warning 'The home page does not answer from Django.'; return $false }",
  '    $admin = Get-Http ($Base + \'/admin/login/\') $HostName',
  '    if ($null -eq $admin) { return $false }',
  "    if ($admin.Status -eq 404) { Write-Host 'The project has no admin at /admin/: the CSS check is skipped.'; return $true }",
  "    if ($admin.Status -ne 200) { Write-Warning ('The admin login page answers HTTP ' + $admin.Status); return $false }",
  '    $m = [regex]::Match($admin.Body, \'href="([^"]*admin/css/base(?:\\.[0-9a-f]{6,})?\\.css)"\')',
  "    $cssPath = if ($m.Success) { $m.Groups[1].Value } else { $StaticUrl + 'admin/css/base.css' }",
  '    $css = Get-Http ($Base + $cssPath) $HostName',
  "    if ($null -eq $css -or $css.Status -ne 200 -or $css.ContentType -notlike 'text/css*') { Write-Warning ('The admin CSS ' + $cssPath + ' is not served as text/css.'); return $false }",
  '    return $true',
  '}',
];

export interface RenderOptions {
  windows?: ExportTarget;
  notes?: string[];
}

export function renderPowerShell(config: DeploymentConfig, freshPlan: Plan, opts: RenderOptions = {}): string {
  const d = derive(config);
  for (const s of freshPlan.steps)
    for (const a of s.actions)
      if (a.kind === 'exec' && a.args.some((x) => x === ''))
        throw new ExportError(`The step "${s.title}" runs ${a.file} with an empty argument, which PowerShell drops when it starts a program. Give the value in the configuration that makes it, then export again.`);
  const spaced = [config.appDir, config.venvDir, d.pythonDir, d.staticRoot].filter((p) => /\s/.test(p));
  const lines: string[] = [
    '#Requires -Version 5.1',
    '#Requires -RunAsAdministrator',
    ...(opts.windows === '2012r2'
      ? [
          '# Windows Server 2012 R2 ships PowerShell 4.0: install Windows Management Framework 5.1 (KB3191564)',
          '# first, or the line above stops the script before it changes anything. Python 3.12 is the last',
          '# Python for 2012 R2 (it also needs the Universal C Runtime update, KB2999226).',
        ]
      : []),
    ...(opts.notes ?? []).map((n) => `# ${n.replace(/[\r\n]+/g, ' ')}`),
    ...(spaced.length
      ? [
          '# Paths with spaces: PowerShell puts each such argument in double quotes for the program it',
          '# starts but escapes nothing inside, so double quotes in an argument are written \\" below',
          '# (the program receives a plain "). Keep them so if you edit the script.',
        ]
      : []),
    '# Django IIS Setup: deploys a Django application on IIS. Every value from the configuration is',
    '# a single-quoted string literal below (quote characters doubled), never code or a comment.',
    '# Generated from the engine\'s own steps and commands. Each step runs only when its check says',
    '# it is not done, so running this script again changes nothing.',
    ...(config.layout
      ? [
          `# Releases: this script deploys release 1 into ${config.appDir.replace(/[\r\n]/g, ' ')} (the data in ${config.layout.shared.replace(/[\r\n]/g, ' ')}).`,
          '# It does not do the next release: a new version copied over this one would be deployed IN PLACE',
          '# (wfastcgi restarts on a .py change and requests in flight fail). Use Django IIS Setup itself',
          '# for updates: it puts each release beside the live one, verifies it, switches, and can go back.',
        ]
      : []),
    "$ErrorActionPreference = 'Stop'",
    '# The arguments below are written for the legacy argument passing of Windows PowerShell 5.1.',
    "if ($PSVersionTable.PSVersion -ge [version]'7.3') { $PSNativeCommandArgumentPassing = 'Legacy' }",
    `Write-Host ${psq(`Django IIS Setup: deploying the site ${config.siteName} on port ${config.port}`)}`,
    ...(config.secretKey
      ? [
          '# The Django SECRET_KEY: 48 random bytes from the operating system, base64url (nothing to escape).',
          '# It is kept only in the FastCGI application\'s environment; a re-run keeps the one already there.',
          '$bytes = New-Object byte[] 48',
          '[Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($bytes)',
          `${SECRET_VAR} = [Convert]::ToBase64String($bytes).Replace('+', '-').Replace('/', '_').TrimEnd('=')`,
        ]
      : []),
    `$appcmd = ${psq(APPCMD)}`,
    'function Assert-Exit([int[]]$Codes, [string]$What) {',
    '    if ($Codes -notcontains $LASTEXITCODE) { throw "$What failed (exit $LASTEXITCODE)" }',
    '    if ($LASTEXITCODE -eq 3010) { Write-Warning "$What needs a restart of Windows to finish." }',
    '}',
    ...PS_SITE_CHECK,
    '',
  ];
  const secrets = new ScriptSecrets();
  const body: string[] = [];
  for (const s of orderedSteps(STEPS)) {
    const httpsLines = httpsExport(s.id, config);
    if (httpsLines) {
      body.push(`# ---- Step: ${s.id} (${s.title})`, ...httpsLines, '');
      continue;
    }
    const actions = freshPlan.steps.find((p) => p.id === s.id)?.actions ?? [];
    body.push(`# ---- Step: ${s.id} (${s.title})`, `if (-not (${s.psCheck({ config, d })})) {`);
    if (actions.length === 0 && s.id === 'preflight') body.push(`    throw ${psq('The server is not ready: run as an administrator, and free the port of the site.')}`);
    else if (actions.length === 0) body.push(`    Write-Warning ${psq(`Check did not pass: ${s.title}. See the output of the steps above.`)}`);
    else {
      body.push(`    Write-Host ${psq(`changing: ${s.title}`)}`);
      for (const a of actions) body.push(...psAction(a, secrets));
    }
    body.push('} else {', `    Write-Host ${psq(`ok: ${s.title}`)}`, '}', '');
  }
  // param() must come before any statement: right after the #Requires lines.
  const head = secrets.header();
  const at = lines.findIndex((l) => !l.startsWith('#'));
  const all = head.length ? [...lines.slice(0, at), ...head, ...lines.slice(at, lines.indexOf("$ErrorActionPreference = 'Stop'") + 1), ...secrets.prompts(), ...lines.slice(lines.indexOf("$ErrorActionPreference = 'Stop'") + 1), ...body] : [...lines, ...body];
  return `${all.join('\r\n')}\r\n`;
}

const versionOf = (v: string): number[] => v.split('.').map(Number);

/**
 * The certificate and its HTTP.sys binding in the script: a blank server has no certificate to
 * plan against, so the script checks the thumbprint itself, or imports the PFX (its password from
 * the window's own variable) and binds the thumbprint the import gives. Other steps: undefined.
 */
function httpsExport(stepId: string, config: DeploymentConfig): string[] | undefined {
  const c = config.https?.certificate;
  // By thumbprint, the blank plan's own binding actions name it; a PFX's thumbprint is known only when the script runs.
  if (!c || (stepId !== 'certificate' && (stepId !== 'https-binding' || 'thumbprint' in c))) return undefined;
  if (stepId === 'certificate') {
    if ('thumbprint' in c)
      return [`$thumb = ${psq(c.thumbprint)}`, `if (-not (Test-Path ${psq(`Cert:\\LocalMachine\\My\\${c.thumbprint}`)})) { throw ${psq(`The certificate ${c.thumbprint} is not in LocalMachine\\My: import it (with its private key) first.`)} }`, `Write-Host ${psq(`ok: the certificate ${c.thumbprint} is in LocalMachine\\My`)}`];
    return [
      `if (-not $env:${c.passwordEnv}) { throw ${psq(`Set $env:${c.passwordEnv} (the password of ${c.pfx}) in this window first.`)} }`,
      `$pfxCert = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2(${psq(c.pfx)}, $env:${c.passwordEnv})`,
      '$thumb = $pfxCert.Thumbprint',
      `if (-not (Test-Path ('Cert:\\LocalMachine\\My\\' + $thumb))) { Write-Host ${psq(`changing: import ${c.pfx} into LocalMachine\\My`)}; Import-PfxCertificate -FilePath ${psq(c.pfx)} -CertStoreLocation Cert:\\LocalMachine\\My -Password (ConvertTo-SecureString -String $env:${c.passwordEnv} -AsPlainText -Force) | Out-Null } else { Write-Host 'ok: the certificate is in LocalMachine\\My' }`,
    ];
  }
  const key = sslKey(config);
  return [
    `if (-not ((& $appcmd list site ${psq(config.siteName)}) -match ${psq(`https/${httpsBindingInfo(config)}`.replace(/[.*]/g, (x) => `\\${x}`))})) { & $appcmd ${['set', 'site', config.siteName, ...appcmdHttps.addBinding(config).slice(3)].map((x) => psq(legacyNativeArg(x))).join(' ')}; Assert-Exit -Codes @(0) -What 'Add the https binding' }`,
    `$shown = & netsh http show sslcert ${key}; if ($LASTEXITCODE -ne 0) { & netsh http add sslcert ${key} ('certhash=' + $thumb) ${psq(`appid=${TOOL_APP_ID}`)} certstorename=MY; Assert-Exit -Codes @(0) -What 'Bind the certificate in HTTP.sys' } elseif (-not ($shown -match $thumb)) { throw ${psq(`HTTP.sys binds ${key} to another certificate: remove that binding (netsh http delete sslcert ${key}) if it is this site's, then run again.`)} } else { Write-Host 'ok: HTTP.sys binds the certificate' }`,
  ];
}

/**
 * The script for a configuration, planned on the host the caller hands over: a blank server (the
 * script is the plan of a fresh server), which src/main/export/powershell.ts makes.
 */
export async function exportPowerShellWith(input: DeploymentConfig, blankServer: Host, opts: { windows?: ExportTarget } = {}): Promise<string> {
  let config = input;
  const notes: string[] = [];
  if (opts.windows === '2012r2') {
    const last = INSTALLER_VERSIONS['3.12'] as string;
    const [major = 0, minor = 0] = versionOf(config.pythonVersion ?? '0.0');
    if (config.pythonVersion && (major > 3 || (major === 3 && minor > 12)))
      throw new ExportError(`Python ${config.pythonVersion} does not run on Windows Server 2012 R2: 3.12 is the last Python that supports it. Set "pythonVersion": "${last}" (or leave it out) for this export.`);
    if (!config.pythonVersion) {
      config = { ...config, pythonVersion: last };
      notes.push(`Python ${last}: the newest Python that runs on Windows Server 2012 R2 (the default elsewhere is newer).`);
    }
  }
  // The script's checks are of the release it deploys (a project from a folder or zip: release 1 in <appDir>\releases\1).
  const effective = (await resolveDeployment(config, blankServer)).config;
  return renderPowerShell(effective, await plan(config, blankServer), { ...(opts.windows ? { windows: opts.windows } : {}), notes });
}
