/**
 * 3. Settings: prefilled from the guide (or the deploy file beside the exe), validated as the
 * person types with the engine's own messages; folders through the native dialog; the rarer
 * options behind a disclosure.
 */
import { Accordion, AccordionHeader, AccordionItem, AccordionPanel, Body1, Button, Field, Input, MessageBar, MessageBarBody, Radio, RadioGroup } from '@fluentui/react-components';
import type { ConfigProblem } from '../../../shared/config';
import { EnvironmentEditor, type EnvRow } from '../components/EnvironmentEditor';
import { HttpsSection } from '../components/HttpsSection';
import { useShared } from '../components/styles';

export type SourceKind = 'sample' | 'folder' | 'zip';
export type ServerKind = 'wfastcgi' | 'httpplatform';

export interface FieldDef {
  key: string;
  label: string;
  hint: string;
  type?: 'number';
  optional?: boolean;
  folder?: 'appDir' | 'venvDir' | 'pythonDir';
}

export const FIELDS: FieldDef[] = [
  { key: 'siteName', label: 'IIS site name', hint: 'The guide uses foo' },
  { key: 'port', label: 'Port', hint: 'The guide uses 81 (the Default Web Site keeps 80)', type: 'number' },
  { key: 'appDir', label: 'Application folder', hint: 'Where the Django project lives', folder: 'appDir' },
  { key: 'venvDir', label: 'Virtual environment folder', hint: 'Outside the application folder', folder: 'venvDir' },
];
export const ADVANCED_FIELDS: FieldDef[] = [
  { key: 'hostName', label: 'Host name (optional)', hint: 'Blank answers any host name', optional: true },
  { key: 'pythonVersion', label: 'Python version (optional)', hint: "Blank: the project's (runtime.txt, .python-version, pyproject.toml), else the default", optional: true },
  { key: 'pythonDir', label: 'Python folder (optional)', hint: 'Blank: C:\\PythonXY for the version; installed for all users', optional: true, folder: 'pythonDir' },
];
export const SOURCE_FIELDS: FieldDef[] = [
  { key: 'sourcePath', label: 'Project folder or .zip', hint: 'What the developers handed over, e.g. D:\\drop\\shop' },
  { key: 'settingsModule', label: 'Settings module', hint: 'e.g. shop.settings' },
  { key: 'requirementsFile', label: 'requirements.txt (optional)', hint: 'Installed into the virtual environment' },
];

export interface SettingsProps {
  form: Record<string, string>;
  setField: (key: string, value: string) => void;
  source: SourceKind;
  setSource: (s: SourceKind) => void;
  server: ServerKind;
  setServer: (s: ServerKind) => void;
  envRows: EnvRow[];
  setEnvRows: (rows: EnvRow[]) => void;
  problems: ConfigProblem[];
  onChooseFolder: (key: string, purpose: 'appDir' | 'venvDir' | 'pythonDir' | 'project') => void;
}

/** The messages of the engine's validation that belong to a field. */
export function problemFor(problems: ConfigProblem[], key: string): string | undefined {
  return problems.filter((p) => p.key === key || p.key.startsWith(`${key}.`)).map((p) => p.message).join(' ') || undefined;
}

export function Settings(p: SettingsProps) {
  const s = useShared();
  const field = (f: FieldDef, key = f.key) => (
    <Field key={f.key} label={f.label} hint={f.hint} validationMessage={problemFor(p.problems, key)} validationState={problemFor(p.problems, key) ? 'error' : 'none'}>
      <div className={s.row} style={{ flexWrap: 'nowrap' }}>
        <Input style={{ flex: 1, minWidth: 0 }} value={p.form[f.key] ?? ''} onChange={(_e, d) => p.setField(f.key, d.value)} data-testid={`field-${f.key}`} />
        {f.folder || f.key === 'sourcePath' ? (
          <Button onClick={() => p.onChooseFolder(f.key, f.key === 'sourcePath' ? 'project' : (f.folder ?? 'appDir'))} aria-label={`Browse… for ${f.label}`} data-testid={`browse-${f.key}`}>
            Browse…
          </Button>
        ) : null}
      </div>
    </Field>
  );
  const known = ['siteName', 'port', 'appDir', 'venvDir', 'hostName', 'pythonVersion', 'pythonDir', 'djangoProject', 'settingsModule', 'requirementsFile', 'environment', 'secretKey', 'https', 'authentication', 'anonymousPaths'];
  return (
    <div className={s.stack}>
      <Body1>The guide's values are filled in; change what your server needs. Every value is checked as you type.</Body1>
      <div className={s.grid}>{FIELDS.map((f) => field(f))}</div>
      <Field label="Django project">
        <RadioGroup layout="horizontal" value={p.source} onChange={(_e, d) => p.setSource(d.value as SourceKind)} data-testid="source">
          <Radio value="sample" label="The guide's sample project (startproject)" />
          <Radio value="folder" label="Copy a folder" />
          <Radio value="zip" label="Extract a .zip" />
        </RadioGroup>
      </Field>
      <div className={s.grid}>{SOURCE_FIELDS.filter((f) => p.source !== 'sample' || f.key === 'requirementsFile').map((f) => field(f, f.key === 'sourcePath' ? 'djangoProject' : f.key))}</div>
      <Field label="How IIS runs Django">
        <RadioGroup value={p.server} onChange={(_e, d) => p.setServer(d.value as ServerKind)} data-testid="server">
          <Radio value="wfastcgi" label="FastCGI with wfastcgi — the guide's way; IIS runs wfastcgi.py from the virtual environment (wfastcgi is no longer maintained)." />
          <Radio value="httpplatform" label="HttpPlatformHandler with waitress — Microsoft's current recommendation; IIS starts waitress and forwards each request to it (installs the HttpPlatformHandler module)." />
        </RadioGroup>
      </Field>
      <Accordion collapsible multiple>
        <AccordionItem value="https">
          <AccordionHeader data-testid="https">HTTPS and sign-in: a certificate of this server, Windows accounts</AccordionHeader>
          <AccordionPanel>
            <HttpsSection form={p.form} setField={p.setField} problemFor={(k) => problemFor(p.problems, k)} />
          </AccordionPanel>
        </AccordionItem>
        <AccordionItem value="advanced">
          <AccordionHeader data-testid="advanced">Advanced: host name, Python, the application's environment</AccordionHeader>
          <AccordionPanel>
            <div className={s.stack}>
              <div className={s.grid}>{ADVANCED_FIELDS.map((f) => field(f))}</div>
              <Field label="The application's environment">
                <EnvironmentEditor rows={p.envRows} onChange={p.setEnvRows} problemFor={(k) => problemFor(p.problems, k)} />
              </Field>
            </div>
          </AccordionPanel>
        </AccordionItem>
      </Accordion>
      {p.problems
        .filter((x) => !known.some((k) => x.key === k || x.key.startsWith(`${k}.`)))
        .map((x) => (
          <MessageBar key={x.key + x.message} intent="error">
            <MessageBarBody>{x.message}</MessageBarBody>
          </MessageBar>
        ))}
    </div>
  );
}
