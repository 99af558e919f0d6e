/**
 * The wizard: seven screens (Welcome, Checks, Settings, Review, Install, Verify, Finish) with
 * Back/Next, the guide's sections down the side with their states, and the live log in a drawer
 * of its own that never covers a screen. It talks only to window.djangoIIS (the preload's bridge):
 * it sends intents and renders events; it never builds a command or a path.
 */
import { Badge, Button, Caption1, FluentProvider, Title2, Title3, makeStyles, tokens, webLightTheme } from '@fluentui/react-components';
import { useEffect, useMemo, useReducer, useRef } from 'react';
import type { SectionId } from '../../shared/steps';
import { GuideList } from './components/GuideList';
import { LogDrawer } from './components/LogDrawer';
import { useShared } from './components/styles';
import { createLogStore, frameBatcher } from './log-store';
import { SCREENS, SCREEN_TITLES, initialState, reducer, type Screen, type WizardState } from './state';
import { bridge } from './wizard/bridge';
import { CurrentScreen } from './wizard/CurrentScreen';
import { useWizardActions } from './wizard/use-actions';
import { useSettingsForm } from './wizard/use-settings-form';

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

export function App() {
  const s = useStyles();
  const shared = useShared();
  const [state, dispatch] = useReducer(reducer, initialState);
  const f = useSettingsForm(Boolean(state.startup));
  const a = useWizardActions(f.config, dispatch, f.setProblems);
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
        f.applyDefaults(startup);
      });
    return off;
  }, [addLog]);

  // Each new screen: focus moves to its heading (keyboard and screen-reader users start there).
  useEffect(() => {
    heading.current?.focus();
  }, [state.screen]);

  const { busy, go } = a;
  const problems = f.problems;
  const screen = state.screen;
  const idx = SCREENS.indexOf(screen);
  const { canNext, nextLabel } = wizardNavigation(state, problems.length, busy);
  const next = () => {
    if (screen === 'welcome') {
      go('checks');
      if (!state.checks) void a.runChecks();
    } else if (screen === 'settings') void a.review();
    else if (screen === 'review') void a.install();
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
        <AppHeader className={s.header} startup={state.startup} />
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
              <CurrentScreen state={current} sections={sections} f={f} a={a} />
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

/** Next is allowed, and named, per screen: Settings only without problems, Review only with a plan that can run. */
function wizardNavigation(state: WizardState, problems: number, busy: boolean): { canNext: Record<Screen, boolean>; nextLabel: Record<Screen, string> } {
  const canNext: Record<Screen, boolean> = {
    welcome: true,
    checks: true,
    settings: problems === 0 && !busy,
    review: !!state.plan && state.plan.conflicts.length === 0 && !state.plan.steps.some((x) => x.status === 'blocked') && !busy,
    install: !state.running && state.outcome === 'succeeded',
    verify: true,
    finish: false,
  };
  const nextLabel: Record<Screen, string> = { welcome: 'Next', checks: 'Next', settings: 'Review the plan', review: 'Install', install: 'Next', verify: 'Next', finish: 'Next' };
  return { canNext, nextLabel };
}

/** The title bar: the product, the server it works on (a rehearsal says so), the version. */
function AppHeader({ className, startup }: { className: string; startup: WizardState['startup'] }) {
  return (
    <header className={className}>
      <Title3 as="h1" style={{ color: 'inherit', margin: 0 }}>
        Django IIS Setup
      </Title3>
      {startup ? (
        <Badge appearance="tint" color={startup.host.kind === 'simulated' ? 'warning' : 'success'} data-testid="host-badge">
          {startup.host.kind === 'simulated' ? `Rehearsal on a simulated server: ${startup.host.productName}` : startup.host.productName}
        </Badge>
      ) : null}
      <span style={{ flex: 1 }} />
      {startup ? <Caption1 style={{ color: 'inherit' }}>v{startup.version}</Caption1> : null}
    </header>
  );
}

export type { WizardState };
