/**
 * What the wizard's buttons ask of the main process, through the bridge: checks, the plan, the
 * run and its retry, roll back, verification, uninstall, and the desktop parts (save the script
 * or the report, open the site or the logs folder, choose a folder). Each sends an intent and
 * puts the answer into the wizard's state or a note; none builds a command or a path.
 */
import { useState, type Dispatch } from 'react';
import type { ConfigProblem } from '../../../shared/config';
import type { StepId } from '../../../shared/steps';
import type { GoBackChoice } from '../../../shared/ipc';
import type { Screen, WizardAction } from '../state';
import { bridge } from './bridge';

export interface Notes {
  rollback?: string[];
  uninstall?: string[];
  script?: string;
  report?: string;
  opened?: string;
  logs?: string;
}

export function useWizardActions(config: Record<string, unknown>, dispatch: Dispatch<WizardAction>, setProblems: (p: ConfigProblem[]) => void) {
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<Notes>({});
  const go = (screen: Screen) => dispatch({ type: 'go', screen });
  const withBusy = async (f: () => Promise<void>) => {
    setBusy(true);
    try {
      await f();
    } finally {
      setBusy(false);
    }
  };
  // A run the main process started (Install, Go back): the Install screen follows it.
  const started = (r: { ok: true; runId: string } | { ok: false; problems: ConfigProblem[] }) => {
    if (!r.ok) return setProblems(r.problems);
    setNote({});
    dispatch({ type: 'started', runId: r.runId });
    go('install');
  };
  const noted = (key: keyof Notes, value: string[] | string | undefined) => setNote((n) => ({ ...n, [key]: value }));
  return {
    busy,
    note,
    go,
    runChecks: () =>
      withBusy(async () => {
        const r = await bridge().runChecks(config);
        if (r.ok) dispatch({ type: 'checks', lines: r.lines });
        else setProblems(r.problems);
      }),
    review: () =>
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
      }),
    install: async () => started(await bridge().startDeployment(config)),
    goBack: async (choice?: GoBackChoice) => started(await bridge().goBack({ config, ...(choice ? { choice } : {}) })),
    retry: async (stepId: StepId) => {
      const r = await bridge().retryStep({ stepId });
      if (r.ok) dispatch({ type: 'started', runId: r.runId });
    },
    rollBack: () =>
      withBusy(async () => {
        const r = await bridge().rollbackLastRun(null);
        noted('rollback', r.ok ? r.summary : r.problems.map((p) => p.message));
      }),
    verifyAgain: () =>
      withBusy(async () => {
        const r = await bridge().runVerification(config);
        if (r.ok) dispatch({ type: 'verification', report: r.report });
      }),
    uninstall: (siteName: string) =>
      withBusy(async () => {
        const r = await bridge().uninstall({ siteName });
        noted('uninstall', r.ok ? r.summary : r.problems.map((p) => p.message));
        const startup = await bridge().getStartup(null);
        dispatch({ type: 'startup', startup });
      }),
    savePowerShell: () =>
      withBusy(async () => {
        const r = await bridge().savePowerShell(config);
        if (r.ok && r.path) noted('script', r.path);
      }),
    saveReport: () =>
      withBusy(async () => {
        const r = await bridge().saveReport(null);
        if (r.ok && r.path) noted('report', r.path);
      }),
    openSite: () =>
      void bridge()
        .openSite(config)
        .then((r) => r.ok && noted('opened', r.url)),
    openLogs: () =>
      void bridge()
        .openLogsFolder(null)
        .then((r) => noted('logs', r.path)),
    cancel: () => void bridge().cancelDeployment(null),
  };
}

export type WizardActions = ReturnType<typeof useWizardActions>;
