/** 1. Welcome: what will be installed and changed, in plain words; an earlier deployment by this tool. */
import { Body1, Button, Card, MessageBar, MessageBarBody, MessageBarTitle, Subtitle2 } from '@fluentui/react-components';
import type { StartupInfo } from '../../../shared/ipc';
import { useShared } from '../components/styles';

export function Welcome({ startup, siteName, onRepair, onChange, onUninstall, uninstallSummary, busy }: { startup?: StartupInfo; siteName: string; onRepair: () => void; onChange: () => void; onUninstall: (site: string) => void; uninstallSummary?: string[]; busy: boolean }) {
  const s = useShared();
  const d = startup?.defaults;
  return (
    <div className={s.stack}>
      <Body1>
        This tool sets up a Django application on this server's IIS the way the guide "Django on IIS" does it, and proves at the end that the site works. Nothing changes until you have reviewed the plan and pressed Install.
      </Body1>
      <Card>
        <Subtitle2 as="h3" style={{ margin: 0 }}>
          What it installs and changes on this server
        </Subtitle2>
        <ul style={{ margin: 0 }}>
          <li>Python {d?.pythonVersion ?? ''} for all users, if it is not there yet (from python.org, or an installer you copied here).</li>
          <li>IIS with its CGI feature (Windows features, with DISM), if they are not enabled yet; HttpPlatformHandler only if you choose waitress.</li>
          <li>A virtual environment for the application, with Django, the project's requirements and wfastcgi or waitress.</li>
          <li>
            An IIS site "{d?.siteName ?? 'foo'}" on port {d?.port ?? 81} with its own application pool, the Django handler, and /static (and /media) served by IIS from the collected files.
          </li>
          <li>Folder permissions for the pool's identity; the project's settings get only what IIS needs (STATIC_ROOT, host names), marked so they can be removed.</li>
        </ul>
        <Body1>Everything it creates is recorded, so it can be rolled back or uninstalled; objects of the same names that it did not create are never changed unless you say so.</Body1>
      </Card>
      {startup?.bundle ? (
        <MessageBar intent={startup.bundle.problems.length ? 'error' : 'success'} layout="multiline" data-testid="bundle">
          <MessageBarBody>
            <MessageBarTitle>{startup.bundle.problems.length ? 'The bundle beside this program is refused' : `Bundle found: release ${startup.bundle.label || '(no label)'}`}</MessageBarTitle>
            <div>{startup.bundle.dir}</div>
            {startup.bundle.problems.length ? (
              <ul>
                {startup.bundle.problems.map((p) => (
                  <li key={p}>{p}</li>
                ))}
              </ul>
            ) : (
              <div>It holds {startup.bundle.holds.join(', ')}; its checksums are checked. Nothing is downloaded.</div>
            )}
            {startup.bundle.checksumsSha256 ? (
              <div data-testid="bundle-sums">
                SHA-256 of its SHA256SUMS: <code>{startup.bundle.checksumsSha256}</code>. Compare it with the value the team sent you (by mail or phone): the same value means every file is the one they made.
              </div>
            ) : null}
          </MessageBarBody>
        </MessageBar>
      ) : null}
      {startup?.defaultsFrom && startup.defaultsFrom !== 'built-in' && !startup.bundle ? (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>The settings start from {startup.defaultsFrom}.</MessageBarBody>
        </MessageBar>
      ) : null}
      {startup?.existing.length ? (
        <Card data-testid="existing">
          <Subtitle2 as="h3" style={{ margin: 0 }}>
            Already deployed here by this tool
          </Subtitle2>
          {startup.existing.map((e) => (
            <div key={e.siteName} className={s.row}>
              <Body1>
                The site "{e.siteName}"{e.lastRunAt ? `, last changed ${e.lastRunAt.slice(0, 16).replace('T', ' ')}` : ''}{e.release?.live ? `: release ${e.release.live.number} (${e.release.live.label}) is live` : ''}.
              </Body1>
              {e.release?.waiting ? (
                <MessageBar intent="info" data-testid="waiting-release">
                  <MessageBarBody>
                    <MessageBarTitle>A new version is waiting</MessageBarTitle>
                    {e.release.waiting.label} is in {e.release.waiting.source}; {e.release.live ? `${e.release.live.label} is live` : 'nothing is live yet'}. Update reviews what it changes first; it is verified before it takes traffic.
                  </MessageBarBody>
                </MessageBar>
              ) : null}
              {e.siteName.toLowerCase() === siteName.toLowerCase() ? (
                <>
                  <Button appearance="primary" onClick={onRepair} disabled={busy} data-testid={e.release?.waiting ? 'update' : 'repair'}>
                    {e.release?.waiting ? 'Update' : 'Repair'}
                  </Button>
                  <Button onClick={onChange} disabled={busy} data-testid="change-settings">
                    Change settings
                  </Button>
                </>
              ) : null}
              <Button onClick={() => onUninstall(e.siteName)} disabled={busy} data-testid={`uninstall-${e.siteName}`}>
                Uninstall
              </Button>
            </div>
          ))}
          <Body1>Repair checks every step with the settings of this deployment ({startup.defaultsFrom === 'built-in' ? "the guide's values" : startup.defaultsFrom}) and changes only what is not as it should be. To repair a deployment made with other settings, put its deploy.json beside this program.</Body1>
        </Card>
      ) : null}
      {uninstallSummary ? (
        <MessageBar intent="info" layout="multiline" data-testid="uninstall-summary">
          <MessageBarBody>
            <MessageBarTitle>Uninstalled</MessageBarTitle>
            {uninstallSummary.map((l) => (
              <div key={l}>{l}</div>
            ))}
          </MessageBarBody>
        </MessageBar>
      ) : null}
    </div>
  );
}
