import { type DeploymentConfig } from '../../shared/config';

/** Timeouts per program (ms): DISM and the Python installer take minutes; appcmd seconds. */
export function timeoutFor(file: string, config: DeploymentConfig, args: readonly string[] = []): number {
  const key = args[0] === '-m' && args[1] === 'pip' ? 'pip' : timeoutKey(file);
  return (config.timeouts[key] ?? DEFAULT_TIMEOUTS[key]) * 1000;
}

export const DEFAULT_TIMEOUTS = { dism: 3600, pythonInstaller: 1800, pip: 1800, python: 1200, appcmd: 120, icacls: 1800, other: 600 } as const;

export function timeoutKey(file: string): keyof typeof DEFAULT_TIMEOUTS {
  const f = file.toLowerCase();
  if (f.endsWith('dism.exe')) return 'dism';
  if (/python-[\d.]+-amd64\.exe$/.test(f) || f.includes('installer')) return 'pythonInstaller';
  if (f.endsWith('appcmd.exe')) return 'appcmd';
  if (f.endsWith('icacls.exe')) return 'icacls';
  if (f.endsWith('python.exe')) return 'python';
  return 'other';
}
