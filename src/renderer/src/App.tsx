/**
 * The wizard: the guide's sections down the side, a screen per section, Back/Next, and the
 * live log from the main process. It talks only to window.djangoIIS (the preload's bridge):
 * it sends intents and renders events; it never builds a command or a path.
 */
import {
  Badge,
  Body1,
  Button,
  Caption1,
  Card,
  Field,
  FluentProvider,
  Input,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  ProgressBar,
  Radio,
  RadioGroup,
  Subtitle2,
  Tab,
  TabList,
  Text,
  Textarea,
  Title3,
  makeStyles,
  tokens,
  webLightTheme,
} from '@fluentui/react-components';
import { useEffect, useMemo, useReducer, useRef, useState, type ReactNode } from 'react';
import type { ConfigProblem } from '../../shared/config';
import { describeAction, describeArgv } from '../../shared/plan';
import type { Problem } from '../../shared/problem';
import type { SectionId } from '../../shared/steps';
import { initialState, reducer, sectionStatus, type SectionStatus, type StepView, type WizardState } from './state';
import { EnvironmentEditor, envToConfig, type EnvRow } from './components/EnvironmentEditor';
import { ProjectReportCard } from './components/ProjectReportCard';

const useStyles = makeStyles({
  shell: { display: 'grid', gridTemplateRows: 'auto 1fr auto', height: '100vh', backgroundColor: tokens.colorNeutralBackground2 },
  header: { display: 'flex', alignItems: 'center', gap: '12px', padding: '10px 20px', backgroundColor: tokens.colorBrandBackground, color: tokens.colorNeutralForegroundOnBrand },
  body: { display: 'grid', gridTemplateColumns: '250px 1fr', minHeight: 0 },
  nav: { padding: '12px 8px', borderRight: `1px solid ${tokens.colorNeutralStroke2}`, backgroundColor: tokens.colorNeutralBackground1, overflowY: 'auto' },
  main: { display: 'grid', gridTemplateRows: '1fr auto auto', minHeight: 0 },
  content: { padding: '20px 28px', overflowY: 'auto', display: 'flex', flexDirection: 'column', gap: '14px', '& > *': { flexShrink: 0 } },
  footer: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', padding: '10px 28px', borderTop: `1px solid ${tokens.colorNeutralStroke2}`, backgroundColor: tokens.colorNeutralBackground1 },
  log: { height: '150px', overflowY: 'auto', fontFamily: tokens.fontFamilyMonospace, fontSize: '12px', padding: '6px 28px', backgroundColor: '#1e1e1e', color: '#d4d4d4' },
  grid: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(300px, 1fr))', gap: '12px 20px' },
  mono: { fontFamily: tokens.fontFamilyMonospace, fontSize: '12px', whiteSpace: 'pre-wrap', wordBreak: 'break-all' },
  output: { fontFamily: tokens.fontFamilyMonospace, fontSize: '12px', whiteSpace: 'pre-wrap', maxHeight: '160px', overflowY: 'auto', backgroundColor: tokens.colorNeutralBackground3, padding: '6px 8px', borderRadius: '4px' },
  row: { display: 'flex', gap: '8px', alignItems: 'center', flexWrap: 'wrap' },
  navItem: { display: 'flex', justifyContent: 'space-between', width: '100%', gap: '8px' },
});

const STATUS_BADGE: Record<SectionStatus, { text: string; color: 'success' | 'informative' | 'danger' | 'warning' | 'brand' | 'subtle' }> = {
  idle: { text: '', color: 'subtle' },
  done: { text: 'done', color: 'success' },
  needed: { text: 'to do', color: 'informative' },
  running: { text: 'running', color: 'brand' },
  failed: { text: 'failed', color: 'danger' },
  blocked: { text: 'blocked', color: 'warning' },
};

const FIELDS: { key: string; label: string; hint: string; type?: 'number'; optional?: boolean }[] = [
  { key: 'siteName', label: 'IIS site name', hint: 'The guide uses foo' },
  { key: 'port', label: 'Port', hint: 'The guide uses 81 (Default Web Site keeps 80)', type: 'number' },
  { key: 'hostName', label: 'Host name (optional)', hint: 'Blank answers any host name' },
  { key: 'appDir', label: 'Application folder', hint: 'Where the Django project lives' },
  { key: 'venvDir', label: 'Virtual environment folder', hint: 'Outside the application folder' },
  { key: 'pythonVersion', label: 'Python version (optional)', hint: 'Blank: the project\'s (runtime.txt, .python-version, pyproject.toml), else the default', optional: true },
  { key: 'pythonDir', label: 'Python folder (optional)', hint: 'Blank: C:\\PythonXY for the version; installed for all users', optional: true },
];

type SourceKind = 'sample' | 'folder' | 'zip';
const SOURCE_FIELDS: { key: string; label: string; hint: string }[] = [
  { key: 'sourcePath', label: 'Project folder or .zip', hint: 'What the developers handed over, e.g. D:\\drop\\shop' },
  { key: 'settingsModule', label: 'Settings module', hint: 'e.g. shop.settings' },
  { key: 'requirementsFile', label: 'requirements.txt (optional)', hint: 'Installed into the virtual environment' },
];

function bridge() {
  return window.djangoIIS;
}

function stateBadge(v: StepView): ReactNode {
  const map: Record<string, [string, 'success' | 'informative' | 'danger' | 'warning' | 'brand' | 'subtle']> = {
    'planned-done': ['already done', 'success'],
    'planned-needed': ['will change', 'informative'],
    'planned-blocked': ['blocked', 'warning'],
    pending: ['waiting', 'subtle'],
    checking: ['checking', 'brand'],
    running: ['running', 'brand'],
    done: ['done', 'success'],
    'already-done': ['already done', 'success'],
    failed: ['failed', 'danger'],
    skipped: ['skipped', 'warning'],
    cancelled: ['cancelled', 'warning'],
  };
  // Check-only steps pass or fail; "already done" would read oddly for them.
  const verified = (v.id === 'verification' || v.id === 'preflight') && (v.state === 'done' || v.state === 'already-done' || v.state === 'planned-done');
  const [text, color] = verified ? (['passed', 'success'] as const) : (map[v.state] ?? [v.state, 'subtle']);
  return (
    <Badge appearance="filled" color={color} data-testid={`state-${v.id}`}>
      {text}
    </Badge>
  );
}

function ProblemBar({ problem, title }: { problem: Problem; title?: string }) {
  const s = useStyles();
  return (
    <MessageBar intent="error" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{title ?? problem.what}</MessageBarTitle>
        {title ? <div>{problem.what}</div> : null}
        <div>
          <b>Why:</b> {problem.why}
        </div>
        <div>
          <b>What to do:</b> {problem.fix}
        </div>
        {problem.command ? <div className={s.mono}>{describeArgv(problem.command[0] ?? '', problem.command.slice(1))}{problem.exitCode !== undefined ? `  (exit ${problem.exitCode})` : ''}</div> : null}
        {problem.output ? <div className={s.output}>{problem.output}</div> : null}
      </MessageBarBody>
    </MessageBar>
  );
}

function StepCard({ v, onRetry, running }: { v: StepView; onRetry: () => void; running: boolean }) {
  const s = useStyles();
  return (
    <Card data-testid={`step-${v.id}`}>
      <div className={s.row}>
        <Subtitle2>{v.title}</Subtitle2>
        {stateBadge(v)}
      </div>
      {v.detail ? <Body1>{v.detail}</Body1> : null}
      {v.actions.length > 0 ? (
        <div className={s.mono}>
          {v.actions.map((a, i) => (
            <div key={i}>
              {a.state === 'finished' ? '✔ ' : a.state === 'failed' ? '✖ ' : a.state === 'started' ? '▶ ' : '  '}
              {describeAction(a.action)}
            </div>
          ))}
        </div>
      ) : null}
      {v.output.length > 0 ? <div className={s.output}>{v.output.join('\n')}</div> : null}
      {v.problem && (v.state === 'failed' || v.state === 'planned-blocked') ? <ProblemBar problem={v.problem} /> : null}
      {v.state === 'failed' ? (
        <div>
          <Button appearance="primary" onClick={onRetry} disabled={running}>
            Retry
          </Button>
        </div>
      ) : null}
    </Card>
  );
}

export function App() {
  const s = useStyles();
  const [state, dispatch] = useReducer(reducer, initialState);
  const [form, setForm] = useState<Record<string, string>>({});
  const [source, setSource] = useState<SourceKind>('sample');
  const [server, setServer] = useState<'wfastcgi' | 'httpplatform'>('wfastcgi');
  const [envRows, setEnvRows] = useState<EnvRow[]>([]);
  const [rollbackSummary, setRollbackSummary] = useState<string[] | undefined>();
  const [problems, setProblems] = useState<ConfigProblem[]>([]);
  const [busy, setBusy] = useState(false);
  const [script, setScript] = useState<string | undefined>();
  const logRef = useRef<HTMLElement>(null);

  useEffect(() => {
    const el = logRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [state.log.length]);

  useEffect(() => {
    const off = bridge().onEvent((event) => dispatch({ type: 'bridge', event }));
    void bridge()
      .getStartup(null)
      .then((startup) => {
        dispatch({ type: 'startup', startup });
        const d = startup.defaults as unknown as Record<string, unknown>;
        setForm(Object.fromEntries(FIELDS.map((f) => { const v = d[f.key]; return [f.key, typeof v === 'string' || typeof v === 'number' ? String(v) : '']; })));
      });
    return off;
  }, []);

  const sections = state.startup?.sections ?? [];
  const idx = sections.findIndex((x) => x.id === state.section);
  const config = useMemo(() => {
    const c: Record<string, unknown> = {};
    for (const f of FIELDS) {
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
    return c;
  }, [form, source, envRows, server]);

  const review = async () => {
    setBusy(true);
    try {
      const r = await bridge().getPlan(config);
      if (!r.ok) return setProblems(r.problems);
      setProblems([]);
      dispatch({ type: 'plan', plan: r.plan });
    } finally {
      setBusy(false);
    }
  };
  const start = async () => {
    const r = await bridge().startDeployment(config);
    if (!r.ok) return setProblems(r.problems);
    dispatch({ type: 'started', runId: r.runId });
    dispatch({ type: 'go', section: 'python' });
  };
  const retry = async (stepId: StepView['id']) => {
    const r = await bridge().retryStep({ stepId });
    if (r.ok) dispatch({ type: 'started', runId: r.runId });
  };
  const rollBack = async () => {
    setBusy(true);
    try {
      const r = await bridge().rollbackLastRun(null);
      setRollbackSummary(r.ok ? r.summary : r.problems.map((p) => p.message));
    } finally {
      setBusy(false);
    }
  };
  const verifyAgain = async () => {
    setBusy(true);
    const r = await bridge().runVerification(config);
    setBusy(false);
    if (r.ok) dispatch({ type: 'verification', report: r.report });
  };
  /** A fix is the deployment's own check-then-set steps: plan them, show them, then the person deploys. */
  const fixIt = async () => {
    await review();
    dispatch({ type: 'go', section: 'prepare' });
  };
  const exportPs = async () => {
    const r = await bridge().exportPowerShell(config);
    if (r.ok) setScript(r.script);
  };

  const problemFor = (key: string) => problems.filter((p) => p.key === key || p.key.startsWith(`${key}.`)).map((p) => p.message).join(' ') || undefined;
  const stepsOf = (section: SectionId) => state.order.map((id) => state.steps[id]).filter((v): v is StepView => !!v && v.section === section);

  return (
    <FluentProvider theme={webLightTheme}>
      <div className={s.shell}>
        <header className={s.header}>
          <Title3 as="h1" style={{ color: 'inherit' }}>
            Django IIS Setup
          </Title3>
          {state.startup ? (
            <Badge appearance="tint" color={state.startup.host.kind === 'simulated' ? 'warning' : 'success'} data-testid="host-badge">
              {state.startup.host.kind === 'simulated' ? `Rehearsal on a simulated server: ${state.startup.host.productName}` : state.startup.host.productName}
            </Badge>
          ) : null}
          <span style={{ flex: 1 }} />
          {state.startup ? <Caption1 style={{ color: 'inherit' }}>v{state.startup.version}</Caption1> : null}
        </header>
        <div className={s.body}>
          <nav className={s.nav} aria-label="Guide sections">
            <TabList vertical selectedValue={state.section} onTabSelect={(_e, d) => dispatch({ type: 'go', section: d.value as SectionId })}>
              {sections.map((sec, i) => {
                const st = STATUS_BADGE[sectionStatus(state, sec.id)];
                return (
                  <Tab key={sec.id} value={sec.id} data-testid={`nav-${sec.id}`}>
                    <span className={s.navItem}>
                      <span>
                        {i + 1}. {sec.title}
                      </span>
                      {st.text ? (
                        <Badge size="small" appearance="tint" color={st.color}>
                          {st.text}
                        </Badge>
                      ) : null}
                    </span>
                  </Tab>
                );
              })}
            </TabList>
          </nav>
          <div className={s.main}>
            <main className={s.content} data-testid={`screen-${state.section}`}>
              {state.running || state.outcome ? (
                <div>
                  <ProgressBar value={state.progress.total ? state.progress.completed / state.progress.total : 0} thickness="large" />
                  <Caption1 data-testid="run-status">
                    {state.running ? `Deploying: ${state.progress.completed} of ${state.progress.total} steps finished` : `Deployment ${state.outcome}`}
                    {state.restartRequired ? ' — Windows needs a restart to finish' : ''}
                  </Caption1>
                  {!state.running && (state.outcome === 'failed' || state.outcome === 'cancelled') ? (
                    <div className={s.row}>
                      <Button onClick={() => void rollBack()} disabled={busy} data-testid="rollback">
                        Roll back this run
                      </Button>
                      <Caption1>Puts the IIS configuration and the files back as they were before the run (IIS features and Python stay).</Caption1>
                    </div>
                  ) : null}
                  {rollbackSummary ? (
                    <MessageBar intent="info" layout="multiline" data-testid="rollback-summary">
                      <MessageBarBody>
                        <MessageBarTitle>Rolled back</MessageBarTitle>
                        {rollbackSummary.map((l) => (
                          <div key={l}>{l}</div>
                        ))}
                      </MessageBarBody>
                    </MessageBar>
                  ) : null}
                </div>
              ) : null}
              <Title3 as="h2">{sections[idx]?.title ?? ''}</Title3>
              <Caption1>Guide: {sections[idx]?.guide ?? ''}</Caption1>
              {state.section === 'prepare' ? (
                <>
                  <Body1>Check the settings, review the plan (nothing changes on the server until you start), then start the deployment.</Body1>
                  <div className={s.grid}>
                    {FIELDS.map((f) => (
                      <Field key={f.key} label={f.label} hint={f.hint} validationMessage={problemFor(f.key)} validationState={problemFor(f.key) ? 'error' : 'none'}>
                        <Input value={form[f.key] ?? ''} onChange={(_e, d) => setForm({ ...form, [f.key]: d.value })} data-testid={`field-${f.key}`} />
                      </Field>
                    ))}
                  </div>
                  <Field label="Django project">
                    <RadioGroup layout="horizontal" value={source} onChange={(_e, d) => setSource(d.value as SourceKind)} data-testid="source">
                      <Radio value="sample" label="The guide's sample project (startproject)" />
                      <Radio value="folder" label="Copy a folder" />
                      <Radio value="zip" label="Extract a .zip" />
                    </RadioGroup>
                  </Field>
                  <div className={s.grid}>
                    {SOURCE_FIELDS.filter((f) => source !== 'sample' || f.key === 'requirementsFile').map((f) => {
                      const key = f.key === 'sourcePath' ? 'djangoProject' : f.key;
                      return (
                        <Field key={f.key} label={f.label} hint={f.hint} validationMessage={problemFor(key)} validationState={problemFor(key) ? 'error' : 'none'}>
                          <Input value={form[f.key] ?? ''} onChange={(_e, d) => setForm({ ...form, [f.key]: d.value })} data-testid={`field-${f.key}`} />
                        </Field>
                      );
                    })}
                  </div>
                  <Field label="How IIS runs Django">
                    <RadioGroup value={server} onChange={(_e, d) => setServer(d.value as 'wfastcgi' | 'httpplatform')} data-testid="server">
                      <Radio value="wfastcgi" label="FastCGI with wfastcgi — the guide's way; IIS runs wfastcgi.py from the virtual environment (wfastcgi is no longer maintained)." />
                      <Radio value="httpplatform" label="HttpPlatformHandler with waitress — Microsoft's current recommendation; IIS starts waitress and forwards each request to it (installs the HttpPlatformHandler module)." />
                    </RadioGroup>
                  </Field>
                  <Field label="The application's environment">
                    <EnvironmentEditor rows={envRows} onChange={setEnvRows} problemFor={problemFor} />
                  </Field>
                  {problems.filter((p) => !FIELDS.some((f) => p.key === f.key) && !['djangoProject', 'settingsModule', 'requirementsFile', 'environment', 'secretKey'].some((k) => p.key.startsWith(k))).map((p) => (
                    <MessageBar key={p.key + p.message} intent="error">
                      <MessageBarBody>{p.message}</MessageBarBody>
                    </MessageBar>
                  ))}
                  <div className={s.row}>
                    <Button onClick={() => void review()} disabled={busy || state.running} data-testid="review">
                      Review the plan
                    </Button>
                    <Button appearance="primary" onClick={() => void start()} disabled={!state.plan || state.running} data-testid="start">
                      Start deployment
                    </Button>
                  </div>
                  {state.plan ? (
                    <div data-testid="plan">
                      <Subtitle2>
                        Plan for {state.plan.host.productName}: {state.plan.steps.filter((x) => x.status === 'needed').length} step(s) will change the server
                      </Subtitle2>
                      <ProjectReportCard plan={state.plan} />
                      {state.order.map((id) => {
                        const v = state.steps[id];
                        return v ? <StepCard key={id} v={v} running={state.running} onRetry={() => void retry(id)} /> : null;
                      })}
                    </div>
                  ) : null}
                </>
              ) : state.section === 'verify' ? (
                <>
                  {stepsOf('verify').map((v) => (
                    <StepCard key={v.id} v={v} running={state.running} onRetry={() => void retry(v.id)} />
                  ))}
                  {state.verification ? (
                    <Card data-testid="verification">
                      <Subtitle2>{state.verification.ok ? 'The site works.' : state.verification.diagnoses.length > 1 ? `The site does not work yet: ${state.verification.diagnoses.length} independent causes.` : 'The site does not work yet.'}</Subtitle2>
                      {state.verification.diagnoses.map((g, i) => (
                        <div key={g.cause} data-testid={`diagnosis-${g.cause}`}>
                          <ProblemBar problem={{ what: g.what, why: g.why, fix: g.fix, ...(g.evidence.length ? { output: g.evidence.join('\n') } : {}) }} title={`${i + 1}. ${g.title}`} />
                          <Caption1>Affects {g.urls.join(', ')}</Caption1>
                          {g.fixable ? (
                            <div>
                              <Button appearance="primary" disabled={busy || state.running} onClick={() => void fixIt()} data-testid={`fix-${g.cause}`}>
                                Fix it
                              </Button>{' '}
                              <Caption1>shows the steps that repair it on the Prepare page first; nothing changes until you deploy</Caption1>
                            </div>
                          ) : null}
                        </div>
                      ))}
                      {state.verification.probes.map((p) => (
                        <div key={p.url}>
                          <Text weight="semibold">
                            {p.ok ? '✔' : '✖'} {p.name}
                          </Text>
                          <div className={s.mono}>
                            {p.url} → {p.status ?? 'no answer'} {p.contentType ?? ''} ({p.detail})
                          </div>
                          {p.diagnosis ? <Caption1>{p.diagnosis.what} (see above)</Caption1> : null}
                        </div>
                      ))}
                      {state.verification.simulated.length > 0 ? (
                        <MessageBar intent="warning" layout="multiline">
                          <MessageBarBody>
                            <MessageBarTitle>Simulated in this rehearsal</MessageBarTitle>
                            <ul style={{ margin: 0 }}>
                              {state.verification.simulated.map((n) => (
                                <li key={n}>{n}</li>
                              ))}
                            </ul>
                          </MessageBarBody>
                        </MessageBar>
                      ) : null}
                    </Card>
                  ) : (
                    <Body1>Verification runs at the end of the deployment; you can also run it now.</Body1>
                  )}
                  <div className={s.row}>
                    <Button onClick={() => void verifyAgain()} disabled={busy || state.running} data-testid="verify-again">
                      Run verification
                    </Button>
                    <Button onClick={() => void exportPs()} data-testid="export">
                      Export PowerShell script
                    </Button>
                  </div>
                  {script ? (
                    <Field label="PowerShell 5.1 script (runs the same steps, each guarded by its check)">
                      <Textarea value={script} readOnly rows={12} className={s.mono} />
                    </Field>
                  ) : null}
                </>
              ) : (
                <>
                  {stepsOf(state.section).length === 0 ? <Body1>Review the plan on the first screen to see what this part of the guide will do.</Body1> : null}
                  {stepsOf(state.section).map((v) => (
                    <StepCard key={v.id} v={v} running={state.running} onRetry={() => void retry(v.id)} />
                  ))}
                </>
              )}
              {state.running ? (
                <div>
                  <Button onClick={() => void bridge().cancelDeployment(null)}>Cancel</Button>
                </div>
              ) : null}
            </main>
            <section className={s.log} aria-label="Live log" data-testid="log" ref={logRef}>
              {state.log.length === 0 ? <div>The log of the main process appears here.</div> : null}
              {state.log.map((e, i) => (
                <div key={i}>
                  {e.timestamp.slice(11, 19)} [{e.source}] {e.level === 'info' || e.level === 'debug' ? '' : `${e.level.toUpperCase()} `}
                  {e.stepId ? `${e.stepId}: ` : ''}
                  {e.message}
                </div>
              ))}
            </section>
            <footer className={s.footer}>
              <Button disabled={idx <= 0} onClick={() => dispatch({ type: 'go', section: sections[idx - 1]?.id ?? 'prepare' })} data-testid="back">
                Back
              </Button>
              <Caption1>{state.startup ? `Log file: ${state.startup.logFile}` : ''}</Caption1>
              <Button appearance="primary" disabled={idx < 0 || idx >= sections.length - 1} onClick={() => dispatch({ type: 'go', section: sections[idx + 1]?.id ?? 'verify' })} data-testid="next">
                Next
              </Button>
            </footer>
          </div>
        </div>
      </div>
    </FluentProvider>
  );
}

export type { WizardState };
