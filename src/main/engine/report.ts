/**
 * The verification report as one self-contained HTML page (verify --report FILE): the causes
 * first, with their evidence and fixes, then every probe. Secrets are removed (redact) and every
 * text is escaped: the page carries no script and loads nothing.
 */
import type { VerificationReport } from '../../shared/plan';
import { redact } from '../../shared/problem';

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
