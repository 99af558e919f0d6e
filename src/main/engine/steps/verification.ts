/** Verification: the site answers with Django, the admin renders, and IIS serves its CSS. */
import type { VerificationReport } from '../../../shared/plan';
import { verifyIn } from '../verify';
import { done, needed, psq, type CheckResult, type Step } from '../step';

function reportToCheck(report: VerificationReport): CheckResult {
  if (report.ok) return { ...done(report.probes.map((p) => `${p.url} → ${p.status ?? ''}`).join('; ')), verification: report };
  const bad = report.probes.find((p) => !p.ok);
  return { ...needed(`${bad?.url ?? 'a probe'} failed: ${bad?.diagnosis?.what ?? bad?.detail ?? ''}`, []), ...(bad?.diagnosis ? { problem: bad.diagnosis } : {}), verification: report };
}

export const verification: Step = {
  id: 'verification',
  title: 'Verify the site',
  section: 'verify',
  dependsOn: ['static-vdir', 'permissions', 'handler', 'leftovers'],
  async check(ctx) {
    return reportToCheck(await verifyIn(ctx));
  },
  // Test-DjangoSite is defined at the top of the exported script: home page, admin login, admin CSS as text/css.
  // HTTPS: by the host name itself (.NET sends the URL's name in the TLS hello, which SNI needs), so it must resolve on the server.
  psCheck: ({ config }) =>
    config.https
      ? `Test-DjangoSite -Base ${psq(`https://${config.hostName || 'localhost'}:${config.https.port}`)} -HostName '' -StaticUrl ${psq(config.staticUrl ?? '/static/')}`
      : `Test-DjangoSite -Base ${psq(`http://localhost:${config.port}`)} -HostName ${psq(config.hostName ? `${config.hostName}:${config.port}` : '')} -StaticUrl ${psq(config.staticUrl ?? '/static/')}`,
};
