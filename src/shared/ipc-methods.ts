/** The IPC method names and channels, with no dependencies (the sandboxed preload imports this). */
export const METHODS = ['getStartup', 'validateConfig', 'getPlan', 'runChecks', 'startDeployment', 'cancelDeployment', 'retryStep', 'rollbackLastRun', 'runVerification', 'exportPowerShell', 'savePowerShell', 'saveReport', 'chooseFolder', 'openSite', 'openLogsFolder', 'uninstall', 'goBack', 'listCertificates'] as const;
export type Method = (typeof METHODS)[number];
export const CHANNEL_PREFIX = 'django-iis:';
export const EVENT_CHANNEL = 'django-iis:event';

export function isMethod(x: string): x is Method {
  return (METHODS as readonly string[]).includes(x);
}
