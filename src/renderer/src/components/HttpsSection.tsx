/**
 * Settings: HTTPS with one of the machine's certificates (chosen from LocalMachine\My, listed with
 * subject, expiry and thumbprint: no thumbprint to type), plain http redirected or not, and
 * Windows sign-in with the paths that stay open. The values go into the form; the engine checks them.
 */
import { Body1, Checkbox, Dropdown, Field, Input, Option, Radio, RadioGroup, Switch } from '@fluentui/react-components';
import { useEffect, useState } from 'react';
import type { MachineCertificate } from '../../../shared/ipc';
import { bridge } from '../wizard/bridge';
import { useShared } from './styles';

export interface HttpsSectionProps {
  form: Record<string, string>;
  setField: (key: string, value: string) => void;
  problemFor: (key: string) => string | undefined;
}

const label = (c: MachineCertificate) => `${c.subject} — expires ${c.notAfter.slice(0, 10)} — ${c.thumbprint}${c.unusable ? ` (cannot be used: ${c.unusable})` : ''}`;

export function HttpsSection({ form, setField, problemFor }: HttpsSectionProps) {
  const s = useShared();
  const on = form.httpsOn === '1';
  const [certs, setCerts] = useState<MachineCertificate[] | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  useEffect(() => {
    if (!on || certs) return;
    void bridge()
      .listCertificates(null)
      .then((r) => (r.ok ? setCerts(r.certificates) : setLoadError(r.problems.map((p) => p.message).join(' '))));
  }, [on, certs]);
  const chosen = certs?.find((c) => c.thumbprint === form.certThumbprint);
  const certProblem = problemFor('https.certificate');
  return (
    <div className={s.stack} data-testid="https-section">
      <Switch checked={on} onChange={(_e, d) => setField('httpsOn', d.checked ? '1' : '')} label="Serve the site over HTTPS with a certificate of this server" data-testid="https-on" />
      {on ? (
        <div className={s.stack}>
          <Field
            label="Certificate (the computer's Personal store, LocalMachine\My)"
            hint={chosen ? `Issued by ${chosen.issuer}; for ${chosen.dnsNames.join(', ') || chosen.subject}` : 'Only certificates with a private key, for server authentication and not expired can be chosen.'}
            validationMessage={loadError ?? certProblem}
            validationState={loadError || certProblem ? 'error' : 'none'}
          >
            <Dropdown
              placeholder={certs ? (certs.length ? 'Choose a certificate' : 'The store has no certificate: import one with certlm.msc first') : 'Reading the certificate store…'}
              value={chosen ? label(chosen) : ''}
              selectedOptions={form.certThumbprint ? [form.certThumbprint] : []}
              onOptionSelect={(_e, d) => setField('certThumbprint', d.optionValue ?? '')}
              data-testid="https-certificate"
            >
              {(certs ?? []).map((c) => (
                <Option key={c.thumbprint} value={c.thumbprint} text={label(c)} disabled={Boolean(c.unusable)}>
                  {label(c)}
                </Option>
              ))}
            </Dropdown>
          </Field>
          <div className={s.grid}>
            <Field label="HTTPS port" hint="Usually 443" validationMessage={problemFor('https.port')} validationState={problemFor('https.port') ? 'error' : 'none'}>
              <Input value={form.httpsPort ?? '443'} onChange={(_e, d) => setField('httpsPort', d.value)} data-testid="https-port" />
            </Field>
          </div>
          <Checkbox checked={form.redirectHttp === '1'} onChange={(_e, d) => setField('redirectHttp', d.checked ? '1' : '')} label="Redirect plain http to HTTPS (IIS's HTTP Redirection feature; needs the host name)" data-testid="https-redirect" />
          {problemFor('https.redirectHttp') ? <Body1 style={{ color: 'var(--colorPaletteRedForeground1)' }}>{problemFor('https.redirectHttp')}</Body1> : null}
        </div>
      ) : null}
      <Field label="Sign-in" validationMessage={problemFor('authentication') ?? problemFor('anonymousPaths')} validationState={problemFor('authentication') || problemFor('anonymousPaths') ? 'error' : 'none'}>
        <RadioGroup value={form.authentication === 'windows' ? 'windows' : 'anonymous'} onChange={(_e, d) => setField('authentication', d.value === 'windows' ? 'windows' : '')} data-testid="sign-in">
          <Radio value="anonymous" label="Anyone can open the site (anonymous)" />
          <Radio value="windows" label="Sign in with Windows accounts (IIS Windows Authentication; Django gets the user as REMOTE_USER)" />
        </RadioGroup>
      </Field>
      {form.authentication === 'windows' ? (
        <Field label="Paths open without signing in (optional)" hint='Comma-separated URL folders, e.g. "/static/, /health/"'>
          <Input value={form.anonymousPaths ?? ''} onChange={(_e, d) => setField('anonymousPaths', d.value)} data-testid="anonymous-paths" />
        </Field>
      ) : null}
    </div>
  );
}

/** The form's HTTPS and sign-in fields as configuration keys. */
export function httpsToConfig(form: Record<string, string>): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  if (form.httpsOn === '1') {
    const port = Number(form.httpsPort ?? '443');
    c.https = { port: Number.isNaN(port) ? form.httpsPort : port, certificate: form.pfx ? { pfx: form.pfx, passwordEnv: form.pfxPasswordEnv ?? '' } : { thumbprint: form.certThumbprint ?? '' }, redirectHttp: form.redirectHttp === '1' };
  }
  if (form.authentication === 'windows') {
    c.authentication = 'windows';
    const paths = (form.anonymousPaths ?? '').split(',').map((p) => p.trim()).filter((p) => p);
    if (paths.length) c.anonymousPaths = paths;
  }
  return c;
}

/** A configuration's HTTPS and sign-in keys as form fields (a deploy file's defaults). */
export function httpsToForm(d: Record<string, unknown>): Record<string, string> {
  const h = d.https as { port?: number; certificate?: { thumbprint?: string; pfx?: string; passwordEnv?: string }; redirectHttp?: boolean } | undefined;
  return {
    httpsOn: h ? '1' : '',
    httpsPort: String(h?.port ?? 443),
    certThumbprint: h?.certificate?.thumbprint ?? '',
    ...(h?.certificate?.pfx ? { pfx: h.certificate.pfx, pfxPasswordEnv: h.certificate.passwordEnv ?? '' } : {}),
    redirectHttp: h?.redirectHttp ? '1' : '',
    authentication: d.authentication === 'windows' ? 'windows' : '',
    anonymousPaths: Array.isArray(d.anonymousPaths) ? (d.anonymousPaths as string[]).join(', ') : '',
  };
}
