/**
 * A request signed in with Windows (Negotiate) as the account the tool runs as: Node has no SSPI,
 * so Windows PowerShell's Invoke-WebRequest -UseDefaultCredentials makes it (a fixed script, the
 * URL in the environment). The URL names the site's host name itself (the Host header cannot be
 * set in PowerShell 5.1), so the name must resolve on the server. NOT RUN here: no Windows.
 */
import type { Host, HttpOptions, HttpResult } from '../../engine/host';
import { POWERSHELL } from '../../engine/commands';
import { psArgs } from '../../engine/https/commands';

export const SIGNED_IN_SCRIPT =
  "$ErrorActionPreference='Stop'; [Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }; $h = @{}; try { $r = Invoke-WebRequest -Uri $env:DJANGO_IIS_SETUP_URL -UseDefaultCredentials -UseBasicParsing -MaximumRedirection 0; $s = [int]$r.StatusCode; $b = $r.Content; foreach ($k in $r.Headers.Keys) { $h[$k.ToLower()] = [string]$r.Headers[$k] } } catch { $resp = $_.Exception.Response; if (-not $resp) { throw }; $s = [int]$resp.StatusCode; $b = (New-Object IO.StreamReader($resp.GetResponseStream())).ReadToEnd(); foreach ($k in $resp.Headers.AllKeys) { $h[$k.ToLower()] = $resp.Headers[$k] } }; ConvertTo-Json -Compress -InputObject @{ status = $s; body = $b; headers = $h; user = [Security.Principal.WindowsIdentity]::GetCurrent().Name }";

export async function signedInRequest(host: Pick<Host, 'exec'>, url: string, opts: HttpOptions): Promise<HttpResult> {
  const u = new URL(url);
  const name = (opts.headers?.host ?? '').replace(/:\d+$/, '');
  if (name) u.hostname = name;
  const r = await host.exec(POWERSHELL, psArgs(SIGNED_IN_SCRIPT), { env: { DJANGO_IIS_SETUP_URL: u.toString() }, timeoutMs: opts.timeoutMs ?? 60_000, ...(opts.signal ? { signal: opts.signal } : {}) });
  if (r.exitCode !== 0) return { status: 0, headers: {}, body: '', networkError: (r.stderr || r.stdout).trim().split(/\r?\n/)[0] ?? 'Invoke-WebRequest failed' };
  const j = JSON.parse(r.stdout) as { status: number; body: string; headers: Record<string, string>; user: string };
  return { status: j.status, headers: j.headers, body: j.body ?? '', signedInAs: j.user };
}
