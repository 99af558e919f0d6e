/** The screen the wizard is on, wired to the settings form and the actions (App.tsx is the frame around it). */
import type { SectionId } from '../../../shared/steps';
import { Checks } from '../screens/Checks';
import { Finish } from '../screens/Finish';
import { Install } from '../screens/Install';
import { Review } from '../screens/Review';
import { Settings } from '../screens/Settings';
import { Verify } from '../screens/Verify';
import { Welcome } from '../screens/Welcome';
import type { WizardState } from '../state';
import { bridge } from './bridge';
import type { WizardActions } from './use-actions';
import type { SettingsForm } from './use-settings-form';

export function CurrentScreen({ state, sections, f, a }: { state: WizardState; sections: readonly { id: SectionId; title: string; guide: string }[]; f: SettingsForm; a: WizardActions }) {
  const { busy, note } = a;
  switch (state.screen) {
    case 'welcome':
      return <Welcome startup={state.startup} siteName={f.form.siteName ?? ''} busy={busy} onRepair={() => void a.review()} onChange={() => a.go('settings')} onUninstall={(x) => void a.uninstall(x)} {...(note.uninstall ? { uninstallSummary: note.uninstall } : {})} />;
    case 'checks':
      return <Checks lines={state.checks} busy={busy} onRun={() => void a.runChecks()} />;
    case 'settings':
      return (
        <Settings
          form={f.form}
          setField={f.setField}
          source={f.source}
          setSource={f.setSource}
          server={f.server}
          setServer={f.setServer}
          envRows={f.envRows}
          setEnvRows={f.setEnvRows}
          problems={f.problems}
          onChooseFolder={(key, purpose) =>
            void bridge()
              .chooseFolder({ purpose })
              .then((r) => r.path && f.setField(key, r.path ?? ''))
          }
        />
      );
    case 'review':
      return <Review state={state} sections={sections} busy={busy} onSavePowerShell={() => void a.savePowerShell()} {...(note.script ? { savedScript: note.script } : {})} />;
    case 'install':
      return <Install state={state} sections={sections} busy={busy} onCancel={a.cancel} onRetry={(id) => void a.retry(id)} onRollBack={() => void a.rollBack()} {...(note.rollback ? { rollbackSummary: note.rollback } : {})} />;
    case 'verify':
      return <Verify state={state} busy={busy} onVerify={() => void a.verifyAgain()} onFix={() => void a.review()} onOpenSite={a.openSite} {...(note.opened ? { openedUrl: note.opened } : {})} />;
    default:
      return <Finish state={state} config={f.config} busy={busy} onSaveReport={() => void a.saveReport()} onOpenLogs={a.openLogs} onGoBack={(choice) => void a.goBack(choice)} problems={f.problems} {...(note.report ? { savedReport: note.report } : {})} {...(note.logs ? { logsFolder: note.logs } : {})} />;
  }
}
