/**
 * The verification report as one self-contained HTML page (verify --report FILE): the causes
 * first, with their evidence and fixes, then every probe. Secrets are removed (redact) and every
 * text is escaped: the page carries no script and loads nothing.
 */
import type { DeploymentConfig } from '../../shared/config';
import type { LogEntry } from '../../shared/ipc';
import { describeAction, type Plan, type VerificationReport } from '../../shared/plan';
import { redact, redactDeep } from '../../shared/problem';

const esc = (s: string): string => redact(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderReportHtml(v: VerificationReport, siteName: string, at = new Date()): string {
  const causes = v.diagnoses
    .map(
      (g, i) => `<section class="cause"><h2>${i + 1}. ${esc(g.title)}${g.fixable ? ' <span class="fixable">verify --fix repairs it</span>' : ''}</h2>
<p><b>What happened:</b> ${esc(g.what)}</p><p><b>Why:</b> ${esc(g.why)}</p><p><b>What to do:</b> ${esc(g.fix)}</p>
<p><b>Affects:</b> ${g.urls.map(esc).join(', ')}</p>${g.evidence.length ? `<pre>${g.evidence.map(esc).join('\n')}</pre>` : ''}</section>`,
    )
    .join('\n');
  const rows = v.probes.map((p) => `<tr class="${p.ok ? 'ok' : 'bad'}"><td>${p.ok ? '✔' : '✖'}</td><td>${esc(p.name)}</td><td>${esc(p.url)}</td><td>${p.status ?? 'no answer'}</td><td>${esc(p.contentType ?? '')}</td><td>${esc(p.detail)}</td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Django IIS Setup: verification of ${esc(siteName)}</title>
<style>body{font-family:"Segoe UI",sans-serif;margin:2em;max-width:60em;color:#242424}h1{font-weight:600}.cause{border-left:4px solid #c50f1f;padding:0 1em;margin:1em 0}.fixable{font-size:.7em;background:#dff6dd;padding:.1em .5em;border-radius:4px}pre{background:#f5f5f5;padding:.8em;overflow-x:auto;white-space:pre-wrap}table{border-collapse:collapse}td{padding:.3em .6em;border-bottom:1px solid #e0e0e0}.ok td:first-child{color:#107c10}.bad td:first-child{color:#c50f1f}</style></head>
<body><h1>Verification of the site “${esc(siteName)}”: ${v.ok ? 'it works' : v.diagnoses.length === 1 ? 'one cause found' : `${v.diagnoses.length} causes found`}</h1>
<p>${esc(at.toISOString())}</p>
${causes}
<h2>Probes</h2><table>${rows}</table>
${v.warnings.length ? `<h2>Warnings</h2><ul>${v.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
${v.simulated.length ? `<h2>Simulated in this rehearsal (not real)</h2><ul>${v.simulated.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
</body></html>
`;
}

const SECRET_NAME = /SECRET|PASSWORD|PASSWD|PASS|TOKEN|KEY|CREDENTIAL|DSN|DATABASE_URL|_URL$/i;

/**
 * The wizard's "Save report…": one self-contained HTML file with the configuration, the plan,
 * the verification (the page above, its body) and every log line of the session. Secrets are
 * removed (redact: the generated key, values named like secrets); no script, nothing loaded.
 */
export function renderRunReport(r: {
  siteName: string;
  version: string;
  config?: DeploymentConfig;
  plan?: Plan;
  verification?: VerificationReport;
  log: LogEntry[];
  at?: Date;
}): string {
  const at = r.at ?? new Date();
  // Environment values whose names say they are secret are not written at all (redact() also removes known secrets).
  const masked = r.config ? { ...r.config, environment: Object.fromEntries(Object.entries(r.config.environment).map(([k, v]) => [k, SECRET_NAME.test(k) ? '«secret»' : v])) } : undefined;
  const config = masked ? esc(JSON.stringify(redactDeep(masked), null, 2)) : '(none: nothing was planned)';
  const steps = (r.plan?.steps ?? []).map((s) => `<tr><td>${esc(s.id)}</td><td>${esc(s.status)}</td><td>${esc(s.reason)}</td><td><pre>${s.actions.map((a) => esc(describeAction(a))).join('\n')}</pre></td></tr>`).join('\n');
  const verification = r.verification ? /<body>([\s\S]*)<\/body>/.exec(renderReportHtml(r.verification, r.siteName, at))?.[1] ?? '' : '<p>The site was not verified in this session.</p>';
  const log = r.log.map((e) => `${e.timestamp} [${e.source}] ${e.level}${e.stepId ? ` ${e.stepId}` : ''}: ${e.message}`).map(esc).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Django IIS Setup: deployment report for ${esc(r.siteName)}</title>
<style>body{font-family:"Segoe UI",sans-serif;margin:2em;max-width:70em;color:#242424}h1{font-weight:600}.cause{border-left:4px solid #c50f1f;padding:0 1em;margin:1em 0}.fixable{font-size:.7em;background:#dff6dd;padding:.1em .5em;border-radius:4px}pre{background:#f5f5f5;padding:.8em;overflow-x:auto;white-space:pre-wrap;margin:0}table{border-collapse:collapse}td{padding:.3em .6em;border-bottom:1px solid #e0e0e0;vertical-align:top}.ok td:first-child{color:#107c10}.bad td:first-child{color:#c50f1f}</style></head>
<body><h1>Deployment report: “${esc(r.siteName)}”</h1>
<p>Django IIS Setup ${esc(r.version)}, ${esc(at.toISOString())}${r.plan ? `, on ${esc(r.plan.host.productName)}${r.plan.host.kind === 'simulated' ? ' (SIMULATED: a rehearsal, not a real server)' : ''}` : ''}.</p>
<h2>Verification</h2>
<div id="verification">${verification}</div>
<h2>Configuration</h2><pre>${config}</pre>
<h2>Plan</h2>${steps ? `<table>${steps}</table>` : '<p>No plan in this session.</p>'}
<h2>Log</h2><pre>${log}</pre>
</body></html>
`;
}
