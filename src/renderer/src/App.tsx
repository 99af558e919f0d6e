/**
 * The wizard: seven screens (Welcome, Checks, Settings, Review, Install, Verify, Finish) with
 * Back/Next, the guide's sections down the side with their states, and the live log in a drawer
 * of its own that never covers a screen. It talks only to window.djangoIIS (the preload's bridge):
 * it sends intents and renders events; it never builds a command or a path.
 */
import { Badge, Button, Caption1, FluentProvider, Title2, Title3, makeStyles, tokens, webLightTheme } from '@fluentui/react-components';
import { useEffect, useMemo, useReducer, useRef, useState } from 'react';
import type { ConfigProblem } from '../../shared/config';
import type { SectionId, StepId } from '../../shared/steps';
import { envToConfig, type EnvRow } from './components/EnvironmentEditor';
import { GuideList } from './components/GuideList';
import { LogDrawer } from './components/LogDrawer';
import { useShared } from './components/styles';
import { createLogStore, frameBatcher } from './log-store';
import { Checks } from './screens/Checks';
import { Finish } from './screens/Finish';
import { Install } from './screens/Install';
import { Review } from './screens/Review';
import { ADVANCED_FIELDS, FIELDS, Settings, type ServerKind, type SourceKind } from './screens/Settings';
import { Verify } from './screens/Verify';
import { Welcome } from './screens/Welcome';
import { SCREENS, SCREEN_TITLES, initialState, reducer, type Screen, type WizardState } from './state';

const useStyles = makeStyles({
  shell: { display: 'grid', gridTemplateRows: 'auto 1fr', height: '100vh', backgroundColor: tokens.colorNeutralBackground2 },
  header: { display: 'flex', alignItems: 'center', gap: '12px', padding: '8px 20px', backgroundColor: tokens.colorBrandBackground, color: tokens.colorNeutralForegroundOnBrand, flexWrap: 'wrap' },
  body: { display: 'grid', gridTemplateColumns: 'minmax(200px, 240px) 1fr', minHeight: 0 },
  nav: { borderRight: `1px solid ${tokens.colorNeutralStroke2}`, backgroundColor: tokens.colorNeutralBackground1, overflowY: 'auto', minHeight: 0 },
  main: { display: 'grid', gridTemplateRows: 'auto minmax(0, 1fr) auto auto', minHeight: 0, minWidth: 0 },
  stages: { display: 'flex', gap: '4px', padding: '8px 28px 0', flexWrap: 'wrap', listStyle: 'none', margin: 0 },
  stage: { padding: '2px 8px', borderRadius: tokens.borderRadiusMedium, color: tokens.colorNeutralForeground3 },
  current: { backgroundColor: tokens.colorBrandBackground2, color: tokens.colorBrandForeground1, fontWeight: tokens.fontWeightSemibold },
  content: { padding: '12px 28px 20px', overflowY: 'auto', overflowWrap: 'anywhere', minHeight: 0, display: 'flex', flexDirection: 'column', gap: '12px', '& > *': { flexShrink: 0 } },
  footer: { display: 'flex', justifyContent: 'space-between', alignItems: 'center', gap: '12px', padding: '8px 28px', borderTop: `1px solid ${tokens.colorNeutralStroke2}`, backgroundColor: tokens.colorNeutralBackground1 },
});

function bridge() {
  return window.djangoIIS;
}

export function App() {
  const s = useStyles();
  const shared = useShared();
  const [state, dispatch] = useReducer(reducer, initialState);
  const [form, setForm] = useState<Record<string, string>>({});
  const [source, setSource] = useState<SourceKind>('sample');
  const [server, setServer] = useState<ServerKind>('wfastcgi');
  const [envRows, setEnvRows] = useState<EnvRow[]>([]);
  const [problems, setProblems] = useState<ConfigProblem[]>([]);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ rollback?: string[]; uninstall?: string[]; script?: string; report?: string; opened?: string; logs?: string }>({});
  const heading = useRef<HTMLHeadingElement>(null);
  // The live log lives in its own store: a burst of lines re-renders the log view only.
  const logStore = useMemo(() => createLogStore(), []);
  const addLog = useMemo(() => frameBatcher(logStore), [logStore]);

  useEffect(() => {
    const off = bridge().onEvent((event) => (event.kind === 'log' ? addLog(event.entry) : dispatch({ type: 'bridge', event })));
    void bridge()
      .getStartup(null)
      .then((startup) => {
        dispatch({ type: 'startup', startup });
        const d = startup.defaults as unknown as Record<string, unknown>;
        setForm(Object.fromEntries([...FIELDS, ...ADVANCED_FIELDS].map((f) => { const v = d[f.key]; return [f.key, typeof v === 'string' || typeof v === 'number' ? String(v) : '']; })));
        setServer(startup.defaults.server);
      });
    return off;
  }, [addLog]);

  // Each new screen: focus moves to its heading (keyboard and screen-reader users start there).
  useEffect(() => {
    heading.current?.focus();
  }, [state.screen]);

  const config = useMemo(() => {
    const c: Record<string, unknown> = {};
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
    return c;
  }, [form, source, envRows, server]);

  // Validated as the person types, with the engine's own messages.
  useEffect(() => {
    if (!state.startup) return;
    const t = setTimeout(() => {
      void bridge()
        .validateConfig(config)
        .then((r) => setProblems(r.ok ? [] : r.problems));
    }, 250);
    return () => clearTimeout(t);
  }, [config, state.startup]);

  const go = (screen: Screen) => dispatch({ type: 'go', screen });
  const withBusy = async (f: () => Promise<void>) => {
    setBusy(true);
    try {
      await f();
    } finally {
      setBusy(false);
    }
  };
  const runChecks = () =>
    withBusy(async () => {
      const r = await bridge().runChecks(config);
      if (r.ok) dispatch({ type: 'checks', lines: r.lines });
      else setProblems(r.problems);
    });
  const review = () =>
    withBusy(async () => {
      const r = await bridge().getPlan(config);
      if (!r.ok) {
        setProblems(r.problems);
        go('settings');
        return;
      }
      setProblems([]);
      dispatch({ type: 'plan', plan: r.plan });
      go('review');
    });
  const install = async () => {
    const r = await bridge().startDeployment(config);
    if (!r.ok) return setProblems(r.problems);
    setNote({});
    dispatch({ type: 'started', runId: r.runId });
    go('install');
  };
  const retry = async (stepId: StepId) => {
    const r = await bridge().retryStep({ stepId });
    if (r.ok) dispatch({ type: 'started', runId: r.runId });
  };
  const rollBack = () =>
    withBusy(async () => {
      const r = await bridge().rollbackLastRun(null);
      setNote((n) => ({ ...n, rollback: r.ok ? r.summary : r.problems.map((p) => p.message) }));
    });
  const verifyAgain = () =>
    withBusy(async () => {
      const r = await bridge().runVerification(config);
      if (r.ok) dispatch({ type: 'verification', report: r.report });
    });
  const uninstall = (siteName: string) =>
    withBusy(async () => {
      const r = await bridge().uninstall({ siteName });
      setNote((n) => ({ ...n, uninstall: r.ok ? r.summary : r.problems.map((p) => p.message) }));
      const startup = await bridge().getStartup(null);
      dispatch({ type: 'startup', startup });
    });

  const screen = state.screen;
  const idx = SCREENS.indexOf(screen);
  const canNext: Record<Screen, boolean> = {
    welcome: true,
    checks: true,
    settings: problems.length === 0 && !busy,
    review: !!state.plan && state.plan.conflicts.length === 0 && !state.plan.steps.some((x) => x.status === 'blocked') && !busy,
    install: !state.running && state.outcome === 'succeeded',
    verify: true,
    finish: false,
  };
  const nextLabel: Record<Screen, string> = { welcome: 'Next', checks: 'Next', settings: 'Review the plan', review: 'Install', install: 'Next', verify: 'Next', finish: 'Next' };
  const next = () => {
    if (screen === 'welcome') {
      go('checks');
      if (!state.checks) void runChecks();
    } else if (screen === 'settings') void review();
    else if (screen === 'review') void install();
    else if (idx < SCREENS.length - 1) go(SCREENS[idx + 1] as Screen);
  };
  const back = () => {
    if (idx > 0 && !(screen === 'install' && state.running)) go(SCREENS[idx - 1] as Screen);
  };
  const sections: readonly { id: SectionId; title: string; guide: string }[] = state.startup?.sections ?? [];
  const current: WizardState = state;

  return (
    <FluentProvider theme={webLightTheme}>
      <div className={s.shell}>
        <header className={s.header}>
          <Title3 as="h1" style={{ color: 'inherit', margin: 0 }}>
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
            <GuideList state={current} sections={sections} />
          </nav>
          <div className={s.main}>
            <ol className={s.stages} aria-label="Steps of the wizard">
              {SCREENS.map((x, i) => (
                <li key={x} className={`${s.stage} ${x === screen ? s.current : ''}`} aria-current={x === screen ? 'step' : undefined} data-testid={`stage-${x}`}>
                  {i + 1}. {SCREEN_TITLES[x]}
                </li>
              ))}
            </ol>
            <main className={s.content} data-testid={`screen-${screen}`}>
              <h2 ref={heading} tabIndex={-1} className={shared.heading}>
                <Title2>{SCREEN_TITLES[screen]}</Title2>
              </h2>
              {screen === 'welcome' ? (
                <Welcome startup={state.startup} siteName={form.siteName ?? ''} busy={busy} onRepair={() => void review()} onChange={() => go('settings')} onUninstall={(x) => void uninstall(x)} {...(note.uninstall ? { uninstallSummary: note.uninstall } : {})} />
              ) : screen === 'checks' ? (
                <Checks lines={state.checks} busy={busy} onRun={() => void runChecks()} />
              ) : screen === 'settings' ? (
                <Settings
                  form={form}
                  setField={(k, v) => setForm((f) => ({ ...f, [k]: v }))}
                  source={source}
                  setSource={setSource}
                  server={server}
                  setServer={setServer}
                  envRows={envRows}
                  setEnvRows={setEnvRows}
                  problems={problems}
                  onChooseFolder={(key, purpose) =>
                    void bridge()
                      .chooseFolder({ purpose })
                      .then((r) => r.path && setForm((f) => ({ ...f, [key]: r.path ?? '' })))
                  }
                />
              ) : screen === 'review' ? (
                <Review
                  state={current}
                  sections={sections}
                  busy={busy}
                  onSavePowerShell={() =>
                    void withBusy(async () => {
                      const r = await bridge().savePowerShell(config);
                      if (r.ok && r.path) setNote((n) => ({ ...n, script: r.path }));
                    })
                  }
                  {...(note.script ? { savedScript: note.script } : {})}
                />
              ) : screen === 'install' ? (
                <Install state={current} sections={sections} busy={busy} onCancel={() => void bridge().cancelDeployment(null)} onRetry={(id) => void retry(id)} onRollBack={() => void rollBack()} {...(note.rollback ? { rollbackSummary: note.rollback } : {})} />
              ) : screen === 'verify' ? (
                <Verify
                  state={current}
                  busy={busy}
                  onVerify={() => void verifyAgain()}
                  onFix={() => void review()}
                  onOpenSite={() =>
                    void bridge()
                      .openSite(config)
                      .then((r) => r.ok && setNote((n) => ({ ...n, opened: r.url })))
                  }
                  {...(note.opened ? { openedUrl: note.opened } : {})}
                />
              ) : (
                <Finish
                  state={current}
                  config={config}
                  busy={busy}
                  onSaveReport={() =>
                    void withBusy(async () => {
                      const r = await bridge().saveReport(null);
                      if (r.ok && r.path) setNote((n) => ({ ...n, report: r.path }));
                    })
                  }
                  onOpenLogs={() =>
                    void bridge()
                      .openLogsFolder(null)
                      .then((r) => setNote((n) => ({ ...n, logs: r.path })))
                  }
                  {...(note.report ? { savedReport: note.report } : {})}
                  {...(note.logs ? { logsFolder: note.logs } : {})}
                />
              )}
            </main>
            <LogDrawer store={logStore} {...(state.startup ? { logFile: state.startup.logFile } : {})} />
            <footer className={s.footer}>
              <Button disabled={idx <= 0 || (screen === 'install' && state.running)} onClick={back} data-testid="back">
                Back
              </Button>
              <Caption1>
                Step {idx + 1} of {SCREENS.length}
              </Caption1>
              {screen !== 'finish' ? (
                <Button appearance="primary" disabled={!canNext[screen]} onClick={next} data-testid="next">
                  {nextLabel[screen]}
                </Button>
              ) : (
                <span />
              )}
            </footer>
          </div>
        </div>
      </div>
    </FluentProvider>
  );
}

export type { WizardState };
