/**
 * HttpPlatformHandler v1.2 (server "httpplatform" only): Microsoft's separate MSI, installed
 * silently with msiexec; done when IIS lists the global module. The module is a server component
 * like IIS's features and Python: uninstall keeps it (another site may use it) and says so.
 */
import type { Action } from '../../../shared/plan';
import { APPCMD, MICROSOFT_SIGNER, HTTP_PLATFORM_MODULE, HTTP_PLATFORM_MSI_URL, MSIEXEC, TOOL_LOG_DIR, appcmd, httpPlatformMsiPath, msiexec } from '../commands';
import { parseGlobalModules } from '../parsers';
import { appcmdMessage, done, exec, needed, psq, query, signatureCheck, type Step } from '../step';

export const HTTP_PLATFORM_INSTALL_LOG = `${TOOL_LOG_DIR}\\httpplatformhandler-install.log`;

export const httpPlatformModule: Step = {
  id: 'httpplatform-module',
  title: 'Install HttpPlatformHandler',
  section: 'iis',
  dependsOn: ['iis'],
  async check(ctx) {
    const { config, host } = ctx;
    if (config.server !== 'httpplatform') return done('not used: IIS runs Django through FastCGI (server "wfastcgi")');
    const msi = httpPlatformMsiPath(config);
    const actions: Action[] = [{ kind: 'mkdir', description: "Create the tool's log folder", path: TOOL_LOG_DIR }];
    if (!config.httpPlatform.installer) actions.push({ kind: 'download', description: 'Download HttpPlatformHandler v1.2 (64-bit MSI) from Microsoft', url: HTTP_PLATFORM_MSI_URL, path: msi });
    actions.push(signatureCheck(msi, MICROSOFT_SIGNER));
    actions.push(exec('Install HttpPlatformHandler v1.2 (msiexec, silent)', MSIEXEC, msiexec.install(msi, HTTP_PLATFORM_INSTALL_LOG), { restartExitCodes: [3010] }));
    if (!(await host.exists(APPCMD))) return needed('IIS is not installed yet', actions);
    const r = await query(ctx, APPCMD, appcmd.listGlobalModules());
    if (!r || r.exitCode !== 0) return needed(`cannot read IIS's global modules: ${r ? appcmdMessage(r) : 'appcmd missing'}`, actions);
    if (parseGlobalModules(r.stdout).some((m) => m.toLowerCase() === HTTP_PLATFORM_MODULE.toLowerCase())) return done('HttpPlatformHandler is registered with IIS');
    return needed('HttpPlatformHandler is not installed (IIS lists no httpPlatformHandler module)', actions);
  },
  psCheck: ({ d }) => d.server !== 'httpplatform' ? '$true' : `(& $appcmd list config -section:system.webServer/globalModules /xml) -match ${psq(`name="${HTTP_PLATFORM_MODULE}"`)}`,
  explain(action, r, { config }) {
    const base = { command: [action.file, ...action.args], exitCode: r.exitCode };
    if (r.exitCode === 1603)
      return { ...base, what: 'The HttpPlatformHandler installer failed (msiexec exit 1603, fatal error during installation).', why: 'Its setup needs IIS 7.5 or later installed and running, and an elevated, 64-bit Windows.', fix: `Read ${HTTP_PLATFORM_INSTALL_LOG}; check that IIS is enabled (the "IIS with CGI" step) and run again.` };
    if (r.exitCode === 1619)
      return { ...base, what: 'msiexec could not open the HttpPlatformHandler package (exit 1619).', why: `${httpPlatformMsiPath(config)} is missing, incomplete or not an MSI.`, fix: config.httpPlatform.installer ? `Copy httpPlatformHandler_amd64.msi (v1.2, 64-bit) to ${config.httpPlatform.installer} and run again.` : 'Delete the downloaded file and run again, or download it yourself and set httpPlatform.installer.' };
    if (r.exitCode === 1618) return { ...base, what: 'Another installation is in progress (msiexec exit 1618).', why: 'Windows Installer runs one installation at a time (Windows Update may be installing).', fix: 'Wait for it to finish, then run again.' };
    if (r.exitCode === 1625) return { ...base, what: 'The installation is forbidden by system policy (msiexec exit 1625).', why: 'A per-machine install needs an elevated administrator.', fix: 'Start the tool with "Run as administrator".' };
    return undefined;
  },
};
