/** SIMULATED dism.exe: /Get-FeatureInfo and /Enable-Feature of the IIS features, with DISM's output and exit codes (windows-iis.md). */
import { FEATURE_MODULES, addCgiToConfig, addFeatureModules, removeCgiFromConfig } from '../apphost';
import type { ProgramResult } from '../appcmd';
import type { SimulatedServer } from '../server';
import { res, lower } from './result';

/** Parent of each optional feature (DISM refuses to enable a child whose parent is off, unless /All). */
export const FEATURE_PARENTS: Record<string, string> = {
  'IIS-WebServer': 'IIS-WebServerRole',
  'IIS-CommonHttpFeatures': 'IIS-WebServer',
  'IIS-StaticContent': 'IIS-CommonHttpFeatures',
  'IIS-DefaultDocument': 'IIS-CommonHttpFeatures',
  'IIS-DirectoryBrowsing': 'IIS-CommonHttpFeatures',
  'IIS-HttpErrors': 'IIS-CommonHttpFeatures',
  'IIS-ApplicationDevelopment': 'IIS-WebServer',
  'IIS-CGI': 'IIS-ApplicationDevelopment',
  'IIS-ISAPIExtensions': 'IIS-ApplicationDevelopment',
  'IIS-ISAPIFilter': 'IIS-ApplicationDevelopment',
  'IIS-HealthAndDiagnostics': 'IIS-WebServer',
  'IIS-HttpLogging': 'IIS-HealthAndDiagnostics',
  'IIS-Security': 'IIS-WebServer',
  'IIS-RequestFiltering': 'IIS-Security',
  'IIS-Performance': 'IIS-WebServer',
  'IIS-HttpCompressionStatic': 'IIS-Performance',
  'IIS-HttpRedirect': 'IIS-CommonHttpFeatures',
  'IIS-WindowsAuthentication': 'IIS-Security',
  'IIS-WebServerManagementTools': 'IIS-WebServerRole',
  'IIS-ManagementConsole': 'IIS-WebServerManagementTools',
};

const DISM_BANNER = (s: SimulatedServer) =>
  `\r\nDeployment Image Servicing and Management tool\r\nVersion: 10.0.${s.state.os.build}.1\r\n\r\nImage Version: 10.0.${s.state.os.build}.2849\r\n\r\n`;

/** 0x800f080c as the unsigned exit code Windows reports. */
export const DISM_UNKNOWN_FEATURE = 0x800f080c;
/** 0x800f081f: the source files could not be found (a feature with its payload removed). */
export const DISM_SOURCE_MISSING = 0x800f081f;

export function runDism(s: SimulatedServer, args: readonly string[]): ProgramResult {
  if (!s.state.elevated) return res(740, `${DISM_BANNER(s)}Error: 740\r\n\r\nElevated permissions are required to run DISM.\r\nUse an elevated command prompt to complete these tasks.\r\n`);
  const flags = args.map(lower);
  if (!flags.includes('/online')) return res(87, `${DISM_BANNER(s)}Error: 87\r\n\r\nThe /Online option is missing. This simulator models only the running system: add /Online.\r\n`);
  const features = args.filter((a) => /^\/featurename:/i.test(a)).map((a) => a.slice('/featurename:'.length));
  const known = (f: string) => Object.keys(s.state.features).find((k) => lower(k) === lower(f));
  const unknownArgs = flags.filter((a) => !/^\/(english|online|all|norestart|quiet|get-featureinfo|enable-feature|disable-feature|get-features|featurename:.*|format:table|limitaccess|source:.*)$/.test(a));
  if (unknownArgs.length) return res(87, `${DISM_BANNER(s)}Error: 87\r\n\r\nThe ${unknownArgs[0]} option is unknown.\r\nFor more information, refer to the help by running DISM.exe /?.\r\n`);
  if (flags.includes('/get-featureinfo')) {
    const f = features[0];
    const k = f ? known(f) : undefined;
    if (!k) return res(DISM_UNKNOWN_FEATURE, `${DISM_BANNER(s)}Error: 0x800f080c\r\n\r\nFeature name ${f ?? ''} is unknown.\r\nA Windows feature name was not recognized.\r\nUse the /Get-Features option to find the name of the feature in the image and try the command again.\r\n`);
    return res(0, `${DISM_BANNER(s)}Feature Information:\r\n\r\nFeature Name : ${k}\r\nDisplay Name : ${k.replace(/^IIS-/, '')}\r\nDescription : ${k}\r\nRestart Required : Possible\r\nState : ${s.state.features[k]}\r\n\r\nCustom Properties:\r\n\r\n(No custom properties found)\r\n\r\nThe operation completed successfully.\r\n`);
  }
  if (flags.includes('/get-features')) {
    const rows = Object.entries(s.state.features).map(([k, v]) => `${k.padEnd(40)} | ${v}`);
    return res(0, `${DISM_BANNER(s)}Features listing for package : Microsoft-Windows-Foundation-Package~31bf3856ad364e35~amd64~~10.0.${s.state.os.build}.1\r\n\r\n${'Feature Name'.padEnd(40)} | State\r\n${'-'.repeat(40)} | ${'-'.repeat(12)}\r\n${rows.join('\r\n')}\r\n\r\nThe operation completed successfully.\r\n`);
  }
  if (flags.includes('/enable-feature')) {
    if (features.length === 0) return res(87, `${DISM_BANNER(s)}Error: 87\r\n\r\nThe /FeatureName option is required with /Enable-Feature.\r\n`);
    const resolved: string[] = [];
    for (const f of features) {
      const k = known(f);
      if (!k) return res(DISM_UNKNOWN_FEATURE, `${DISM_BANNER(s)}Error: 0x800f080c\r\n\r\nFeature name ${f} is unknown.\r\nA Windows feature name was not recognized.\r\n`);
      resolved.push(k);
    }
    const all = flags.includes('/all');
    const toEnable = new Set(resolved);
    for (const f of resolved) {
      let parent = FEATURE_PARENTS[f];
      while (parent) {
        if (s.state.features[parent] !== 'Enabled' && !toEnable.has(parent)) {
          if (!all)
            return res(50, `${DISM_BANNER(s)}Enabling feature(s)\r\n\r\nError: 50\r\n\r\nOne or several parent features are disabled so current feature can not be enabled.\r\nOn the command line, add /All to enable the parent features (${parent}).\r\n`);
          toEnable.add(parent);
        }
        parent = FEATURE_PARENTS[parent];
      }
    }
    // A feature whose files were removed (Disabled with Payload Removed) needs a source: the
    // installation media (/Source:...\sources\sxs) or Windows Update, which this server cannot reach.
    const removed = [...toEnable].filter((f) => s.state.features[f] === 'Disabled with Payload Removed');
    if (removed.length && !flags.some((a) => a.startsWith('/source:')))
      return res(DISM_SOURCE_MISSING, `${DISM_BANNER(s)}Enabling feature(s)\r\n[==========================100.0%==========================]\r\n\r\nError: 0x800f081f\r\n\r\nThe source files could not be found.\r\nUse the "Source" option to specify the location of the files that are required to restore the feature. For more information on specifying a source location, see https://go.microsoft.com/fwlink/?LinkId=243077.\r\n\r\nThe DISM log file can be found at C:\\Windows\\Logs\\DISM\\dism.log\r\n`);
    const hadIis = s.iisInstalled();
    const newRoles = [...toEnable].filter((f) => FEATURE_MODULES[f] && s.state.features[f] !== 'Enabled');
    const hadCgi = s.state.features['IIS-CGI'] === 'Enabled';
    for (const f of toEnable) s.state.features[f] = 'Enabled';
    const nowIis = s.state.features['IIS-WebServer'] === 'Enabled';
    const nowCgi = s.state.features['IIS-CGI'] === 'Enabled';
    if (nowIis && !hadIis) s.installIis(nowCgi);
    else if (nowCgi && !hadCgi && hadIis) {
      const cfg = s.loadAppHost();
      addCgiToConfig(cfg);
      s.saveAppHost(cfg);
    }
    if (newRoles.length && s.iisInstalled()) {
      const cfg = s.loadAppHost();
      for (const f of newRoles) addFeatureModules(cfg, f);
      s.saveAppHost(cfg);
    }
    s.save();
    return res(0, `${DISM_BANNER(s)}Enabling feature(s)\r\n[==========================100.0%==========================]\r\nThe operation completed successfully.\r\n`, true);
  }
  if (flags.includes('/disable-feature')) {
    for (const f of features) {
      const k = known(f);
      if (!k) return res(DISM_UNKNOWN_FEATURE, `${DISM_BANNER(s)}Error: 0x800f080c\r\n\r\nFeature name ${f} is unknown.\r\n`);
      s.state.features[k] = 'Disabled';
      if (k === 'IIS-CGI' && s.iisInstalled()) {
        const cfg = s.loadAppHost();
        removeCgiFromConfig(cfg);
        s.saveAppHost(cfg);
      }
    }
    s.save();
    return res(0, `${DISM_BANNER(s)}Disabling feature(s)\r\n[==========================100.0%==========================]\r\nThe operation completed successfully.\r\n`, true);
  }
  return res(87, `${DISM_BANNER(s)}Error: 87\r\n\r\nNo servicing command was given; the simulator knows /Get-FeatureInfo, /Get-Features, /Enable-Feature and /Disable-Feature.\r\n`);
}
