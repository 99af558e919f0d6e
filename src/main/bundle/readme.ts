/** README.html of a bundle, for the department: what to double-click, what changes, how to go back, what to send back. */
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function bundleReadme(b: { name: string; label: string; pythonVersion: string; server: string; siteName: string; incomplete: string[]; exes: string[]; leftEnv: boolean }): string {
  const exe = b.exes.find((e) => /console|cli/i.test(e)) ?? b.exes[0] ?? 'django-iis-setup.exe (sent beside this folder)';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(b.name)} ${esc(b.label)}: how to deploy it</title>
<style>body{font-family:"Segoe UI",sans-serif;margin:2em;max-width:50em;color:#242424}code,pre{background:#f5f5f5;padding:.1em .3em}.bad{border-left:4px solid #c50f1f;padding:0 1em}</style></head>
<body><h1>${esc(b.name)}, release ${esc(b.label)}</h1>
${b.incomplete.length ? `<div class="bad"><p><b>This bundle is incomplete</b>: ${b.incomplete.map(esc).join('; ')}. The tool refuses it; ask the team for a complete one.</p></div>` : ''}
<h2>Deploy it</h2>
<ol><li>Copy this whole folder to the server (every file: SHA256SUMS is checked first; a changed or missing file stops everything before any change).</li>
<li>Double-click the wizard exe beside this folder, or in an administrator command prompt run:<br><code>${esc(exe)} plan --bundle "this folder"</code> then <code>${esc(exe)} apply --bundle "this folder"</code>.</li>
<li>Nothing is downloaded: Python ${esc(b.pythonVersion)} and every package come from this folder.</li></ol>
<h2>What changes on the server</h2>
<p>Python ${esc(b.pythonVersion)} (if it is not there), IIS with CGI, a virtual environment, the site "${esc(b.siteName)}" (${b.server === 'wfastcgi' ? 'FastCGI with wfastcgi' : 'HttpPlatformHandler with waitress'}). The plan lists every command before anything runs.</p>
${b.leftEnv ? '<p>The project\'s .env file was not bundled (it holds secrets): its values are given in "environment" of deploy.json, and the secret key as "secretKey".</p>' : ''}
<h2>A later version</h2><p>A new bundle of the same project is an update: it is verified on a staging site first, then switched, and <code>go-back</code> puts the previous release back.</p>
<h2>If it fails</h2><p>The wizard's "Save report…" (or <code>verify --report report.html</code>) writes one file: send it to the team.</p>
</body></html>
`;
}
