/**
 * Simulated Windows programs other than appcmd and Python: dism, reg, sc, net, whoami, netstat,
 * icacls, fsutil and the CPython installer. Output shapes and exit codes follow the real tools
 * (windows-iis.md); where the reference marks a code UNCONFIRMED, so does the comment here.
 */
export { DISM_SOURCE_MISSING, DISM_UNKNOWN_FEATURE, FEATURE_PARENTS, runDism } from './programs/dism';
export { runReg } from './programs/reg';
export { runSc } from './programs/sc';
export { runNet } from './programs/net';
export { runWhoami } from './programs/whoami';
export { listeners, runNetstat } from './programs/netstat';
export { runFsutil } from './programs/fsutil';
export { runIcacls } from './programs/icacls';
export { appHostExists, runPythonInstaller } from './programs/python-installer';
export { runRobocopy } from './programs/robocopy';
export { runTar } from './programs/tar';
export { HTTP_PLATFORM_DLL, runMsiexec } from './programs/msiexec';
export { runPymanager } from './programs/pymanager';
