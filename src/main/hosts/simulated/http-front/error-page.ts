/** IIS's detailed local error pages, as the simulated front answers them (status, substatus, module, handler, HRESULT). */

export interface FrontResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Headers sent more than once (IIS sends WWW-Authenticate once per provider). */
  multi?: Record<string, string[]>;
}

export interface ErrorPage {
  status: number;
  sub: number;
  reason: string;
  title: string;
  detail: string;
  module?: string;
  handler?: string;
  hresult?: string;
  causes?: string[];
  fixes?: string[];
}

export const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' };

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function iisErrorPage(e: Omit<ErrorPage, 'reason'>): FrontResponse {
  const reason = REASONS[e.status] ?? 'Error';
  const code = `${e.status}.${e.sub}`;
  const rows = [
    ['Module', e.module ?? 'IIS Web Core'],
    ['Handler', e.handler ?? 'Not yet determined'],
    ['Error Code', e.hresult ?? '0x00000000'],
  ];
  const body = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<title>IIS 10.0 Detailed Error - ${code} - ${esc(reason)}</title>
</head>
<body>
<div id="content">
<div class="content-container">
  <h3>HTTP Error ${code} - ${esc(reason)}</h3>
  <h4>${esc(e.title)}</h4>
</div>
<div class="content-container">
 <fieldset><h4>Detailed Error Information:</h4>
  <div id="details-left">
   <table border="0" cellpadding="0" cellspacing="0">
${rows.map(([k, v]) => `    <tr><th>${k}</th><td>&nbsp;&nbsp;&nbsp;${esc(v ?? '')}</td></tr>`).join('\n')}
   </table>
  </div>
  <p>${esc(e.detail)}</p>
 </fieldset>
</div>
${e.causes ? `<div class="content-container"><fieldset><h4>Most likely causes:</h4><ul>${e.causes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul></fieldset></div>` : ''}
${e.fixes ? `<div class="content-container"><fieldset><h4>Things you can try:</h4><ul>${e.fixes.map((c) => `<li>${esc(c)}</li>`).join('')}</ul></fieldset></div>` : ''}
</div>
</body>
</html>
`;
  return { status: e.status, headers: { 'content-type': 'text/html', server: 'Microsoft-IIS/10.0 (simulated)', 'x-iis-substatus': String(e.sub) }, body: Buffer.from(body) };
}
