/**
 * Exports the deployment as a standalone PowerShell 5.1 script: the same steps and commands,
 * each guarded by its check so a second run changes nothing (for servers where the GUI cannot
 * run, such as Server 2012 R2). The actions are the plan of a fresh server, computed on a
 * throw-away simulated Windows Server, so the script holds exactly what apply would run there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { derive, type DeploymentConfig } from '../../shared/config';
import type { Action, Plan } from '../../shared/plan';
import { SimulatedHost } from '../hosts/simulated/sim-host';
import { APPCMD } from './commands';
import { plan } from './engine';
import { BLOCK_BEGIN, settingsBlock } from './settings-edit';
import { knownSecretIn } from '../../shared/problem';
import { psq } from './step';
import { orderedSteps, STEPS } from './steps';

/** The generated SECRET_KEY is made by the script itself when it runs: never written into it. */
const SECRET_VAR = '$DjangoSecretKey';

/** A value as a PowerShell expression: a single-quoted literal, or (literal + $DjangoSecretKey + literal). */
function psValue(v: string): string {
  const secret = knownSecretIn(v);
  if (!secret) return psq(v);
  const parts = v.split(secret);
  return `(${parts.map(psq).join(` + ${SECRET_VAR} + `)})`;
}

function psAction(a: Action): string[] {
  switch (a.kind) {
    case 'exec': {
      const ok = [...(a.okExitCodes ?? [0]), ...(a.restartExitCodes ?? [])];
      const lines: string[] = [];
      if (a.cwd) lines.push(`    Push-Location ${psq(a.cwd)}`);
      // manage.py gets the application's environment (names are validated identifiers)
      for (const [k, v] of Object.entries(a.env ?? {})) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) lines.push(`    $env:${k} = ${psValue(v)}`);
      lines.push(`    & ${psq(a.file)} ${a.args.map(psValue).join(' ')}`.trimEnd(), `    Assert-Exit -Codes @(${ok.join(', ')}) -What ${psq(a.description)}`);
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
      return [];
    case 'editFile':
      if (a.transform === 'remove-django-settings') return [];
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

export function renderPowerShell(config: DeploymentConfig, freshPlan: Plan): string {
  const d = derive(config);
  const lines: string[] = [
    '#Requires -Version 5.1',
    '#Requires -RunAsAdministrator',
    '# Django IIS Setup: deploys a Django application on IIS. Every value from the configuration is',
    '# a single-quoted string literal below (quote characters doubled), never code or a comment.',
    '# Generated from the engine\'s own steps and commands. Each step runs only when its check says',
    '# it is not done, so running this script again changes nothing.',
    "$ErrorActionPreference = 'Stop'",
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
    '',
  ];
  for (const s of orderedSteps(STEPS)) {
    const actions = freshPlan.steps.find((p) => p.id === s.id)?.actions ?? [];
    lines.push(`# ---- Step: ${s.id} (${s.title})`, `if (-not (${s.psCheck({ config, d })})) {`);
    if (actions.length === 0 && s.id === 'preflight') lines.push(`    throw ${psq('The server is not ready: run as an administrator, and free the port of the site.')}`);
    else if (actions.length === 0) lines.push(`    Write-Warning ${psq(`Check did not pass: ${s.title}. See the output of the steps above.`)}`);
    else {
      lines.push(`    Write-Host ${psq(`changing: ${s.title}`)}`);
      for (const a of actions) lines.push(...psAction(a));
    }
    lines.push('} else {', `    Write-Host ${psq(`ok: ${s.title}`)}`, '}', '');
  }
  return `${lines.join('\r\n')}\r\n`;
}

export async function exportPowerShell(config: DeploymentConfig): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'django-iis-export-'));
  const host = new SimulatedHost(dir);
  try {
    return renderPowerShell(config, await plan(config, host));
  } finally {
    await host.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
