/**
 * The Settings screen's state: the fields, the project's source, how IIS runs Django, the
 * application's environment, and the configuration they make, validated as the person types
 * with the engine's own messages (through the bridge).
 */
import { useEffect, useMemo, useState } from 'react';
import type { ConfigProblem } from '../../../shared/config';
import type { StartupInfo } from '../../../shared/ipc';
import { envToConfig, type EnvRow } from '../components/EnvironmentEditor';
import { ADVANCED_FIELDS, FIELDS, type ServerKind, type SourceKind } from '../screens/Settings';
import { bridge } from './bridge';
import { httpsToConfig, httpsToForm } from '../components/HttpsSection';

export interface SettingsForm {
  form: Record<string, string>;
  setField: (key: string, value: string) => void;
  source: SourceKind;
  setSource: (s: SourceKind) => void;
  server: ServerKind;
  setServer: (s: ServerKind) => void;
  envRows: EnvRow[];
  setEnvRows: (rows: EnvRow[]) => void;
  problems: ConfigProblem[];
  setProblems: (p: ConfigProblem[]) => void;
  /** The configuration the fields make (sent to the engine as it is). */
  config: Record<string, unknown>;
  /** The defaults of a new start (the guide's, or a deploy.json beside the exe). */
  applyDefaults: (startup: StartupInfo) => void;
}

export function useSettingsForm(ready: boolean): SettingsForm {
  const [form, setForm] = useState<Record<string, string>>({});
  const [source, setSource] = useState<SourceKind>('sample');
  const [server, setServer] = useState<ServerKind>('wfastcgi');
  const [envRows, setEnvRows] = useState<EnvRow[]>([]);
  const [problems, setProblems] = useState<ConfigProblem[]>([]);
  // What a deploy.json beside the exe sets that the form has no field for (verify URLs, allowedHosts,
  // keepReleases, adopt...): kept as it is, so Repair and Update use the deployment's own settings.
  const [rest, setRest] = useState<Record<string, unknown>>({});

  const config = useMemo(() => {
    const c: Record<string, unknown> = { ...rest };
    for (const f of [...FIELDS, ...ADVANCED_FIELDS]) {
      const v = form[f.key];
      if (v === undefined || (f.optional && v.trim() === '')) continue;
      c[f.key] = f.type === 'number' ? (v.trim() === '' || Number.isNaN(Number(v)) ? v : Number(v)) : v;
    }
    if (source !== 'sample') {
      c.djangoProject = { [source]: form.sourcePath ?? '' };
      if (form.settingsModule) c.settingsModule = form.settingsModule;
    }
    if (form.requirementsFile) c.requirementsFile = form.requirementsFile;
    Object.assign(c, envToConfig(envRows));
    if (server !== 'wfastcgi') c.server = server;
    Object.assign(c, httpsToConfig(form));
    return c;
  }, [form, source, envRows, server, rest]);

  // Validated as the person types, with the engine's own messages.
  useEffect(() => {
    if (!ready) return;
    const t = setTimeout(() => {
      void bridge()
        .validateConfig(config)
        .then((r) => setProblems(r.ok ? [] : r.problems));
    }, 250);
    return () => clearTimeout(t);
  }, [config, ready]);

  const applyDefaults = (startup: StartupInfo) => {
    const d = startup.defaults as unknown as Record<string, unknown>;
    const fields = Object.fromEntries([...FIELDS, ...ADVANCED_FIELDS].map((f) => { const v = d[f.key]; return [f.key, typeof v === 'string' || typeof v === 'number' ? String(v) : '']; }));
    const src = startup.defaults.djangoProject;
    const kind: SourceKind = 'folder' in src ? 'folder' : 'zip' in src ? 'zip' : 'sample';
    if (kind !== 'sample') fields.sourcePath = 'folder' in src ? src.folder : 'zip' in src ? src.zip : '';
    if (startup.defaults.settingsModule) fields.settingsModule = startup.defaults.settingsModule;
    if (startup.defaults.requirementsFile) fields.requirementsFile = startup.defaults.requirementsFile;
    setForm({ ...fields, ...httpsToForm(d) });
    setSource(kind);
    setServer(startup.defaults.server);
    const secret = startup.defaults.secretKey?.env;
    setEnvRows([...Object.entries(startup.defaults.environment).map(([name, value]) => ({ name, value, secret: false })), ...(secret ? [{ name: secret, value: '', secret: true }] : [])]);
    const owned = new Set([...FIELDS, ...ADVANCED_FIELDS].map((f) => f.key).concat(['djangoProject', 'settingsModule', 'requirementsFile', 'environment', 'secretKey', 'server', 'https', 'authentication', 'anonymousPaths']));
    setRest(Object.fromEntries(Object.entries(d).filter(([k, v]) => !owned.has(k) && v !== undefined)));
  };

  return { form, setField: (k, v) => setForm((f) => ({ ...f, [k]: v })), source, setSource, server, setServer, envRows, setEnvRows, problems, setProblems, config, applyDefaults };
}
