/** The wizard's "Save report…": one HTML file, no script, secrets removed, everything escaped. */
import { describe, expect, it } from 'vitest';
import { renderRunReport } from '../../src/main/engine/report';
import { registerSecret } from '../../src/shared/problem';
import { config } from './helpers';

describe('the deployment report', () => {
  it('holds the configuration, the plan, the verification and the log; masks secret-named values and known secrets; escapes every text', () => {
    registerSecret('k3y-generated-on-the-server-0123456789');
    const c = config({ environment: { DATABASE_URL: 'postgres://app:s3cret-pw@db.internal/app', DJANGO_DEBUG: 'False', API_TOKEN: 'tok-123' } });
    const html = renderRunReport({
      siteName: 'foo',
      version: '1.2.3',
      config: c,
      verification: { ok: true, probes: [{ name: 'Django answers the home page', url: 'http://localhost:81/', ok: true, status: 200, detail: 'HTTP 200 <b>' }], diagnoses: [], simulated: ['The Windows Server is simulated'], warnings: [] },
      log: [
        { level: 'info', message: 'set DJANGO_SECRET_KEY=k3y-generated-on-the-server-0123456789', timestamp: '2026-11-24T10:00:00Z', source: 'engine', stepId: 'fastcgi' },
        { level: 'warn', message: '<script>alert(1)</script>', timestamp: '2026-11-24T10:00:01Z', source: 'process' },
      ],
    });
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain("default-src 'none'");
    expect(html).toContain('Django answers the home page');
    expect(html).toContain('HTTP 200 &lt;b&gt;');
    expect(html).toContain('&quot;DJANGO_DEBUG&quot;: &quot;False&quot;');
    for (const secret of ['s3cret-pw', 'tok-123', 'k3y-generated-on-the-server-0123456789']) expect(html).not.toContain(secret);
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('The Windows Server is simulated');
  });
});
