/**
 * The Electron glue: one window (context isolation, sandbox, no Node in the renderer, a strict
 * CSP, navigation and window.open denied), the IPC contract, the logger. With a command as its
 * first argument, the packaged exe runs headless: the same CLI as `npm run cli`.
 */
import { app, BrowserWindow, dialog, net, protocol, session, shell } from 'electron';
import type { Desktop } from '../../shared/ipc';
import { loadDeployFile } from '../service/deploy-file';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { COMMANDS, main as cliMain } from '../cli/cli';
import { createLogger } from '../logging/logger';
import { DeploymentService } from '../service/deployment-service';
import { SimulatedHost } from '../hosts/simulated/sim-host';
import { WindowsHost } from '../hosts/windows/windows-host';
import { registerContract, sendEvent } from './ipc-main';
import { APP_SCHEME, appFile, guardContents, rendererEntry } from './security';

const here = path.dirname(fileURLToPath(import.meta.url));
const CLI_COMMANDS = new Set<string>([...COMMANDS, '--help', '-h', '--version', '-v']);
const argv = process.argv.slice(app.isPackaged ? 1 : 2);

if (argv[0] && CLI_COMMANDS.has(argv[0])) {
  cliMain(argv, { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) }).then(
    (code) => app.exit(code),
    (e: unknown) => {
      process.stderr.write(`${String(e)}\n`);
      app.exit(1);
    },
  );
} else {
  // app:// serves the built renderer (a standard, secure scheme: 'self' in the CSP is that origin).
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
  void startGui();
}

async function startGui(): Promise<void> {
  if (!app.requestSingleInstanceLock()) return app.quit();
  await app.whenReady();
  const log = createLogger();
  // On Windows the real server; elsewhere (or with DJANGO_IIS_SIMULATE) a rehearsal on the simulated one.
  const simulate = process.env.DJANGO_IIS_SIMULATE ?? (process.platform === 'win32' ? undefined : path.join(app.getPath('userData'), 'rehearsal-server'));
  const host = simulate ? new SimulatedHost(simulate) : new WindowsHost();
  const ui: { win?: BrowserWindow } = {};
  // A deploy.json beside the portable exe (electron-builder's portable target says where it is).
  const deployFile = loadDeployFile(process.env.PORTABLE_EXECUTABLE_DIR ?? path.dirname(process.execPath), simulate);
  if (deployFile.problem) log.logger.warn(deployFile.problem);
  const desktop: Desktop = {
    async chooseFolder(title) {
      const r = ui.win ? await dialog.showOpenDialog(ui.win, { title, properties: ['openDirectory', 'createDirectory'] }) : undefined;
      return r && !r.canceled ? r.filePaths[0] : undefined;
    },
    async saveFile(title, suggestedName, filter) {
      const r = ui.win ? await dialog.showSaveDialog(ui.win, { title, defaultPath: suggestedName, filters: [filter] }) : undefined;
      return r && !r.canceled ? r.filePath : undefined;
    },
    async openExternal(url) {
      await shell.openExternal(url);
    },
    async openPath(p) {
      await shell.openPath(p);
    },
    setProgress(fraction, state) {
      ui.win?.setProgressBar(fraction, { mode: fraction < 0 ? 'none' : state === 'error' ? 'error' : 'normal' });
    },
  };
  const service = new DeploymentService({ host, log, emit: (e) => sendEvent(ui.win?.webContents, e), version: app.getVersion(), desktop, ...(deployFile.config ? { defaults: deployFile.config } : {}), ...(deployFile.bundle ? { bundle: deployFile.bundle } : {}) });
  log.mirror((entry) => sendEvent(ui.win?.webContents, { kind: 'log', entry }));

  // The dev server only when not packaged (a packaged build ignores ELECTRON_RENDERER_URL).
  const entry = rendererEntry(app.isPackaged, process.env.ELECTRON_RENDERER_URL);
  const rendererDir = path.join(here, '../renderer');
  protocol.handle(APP_SCHEME, (request) => {
    const file = appFile(request.url, rendererDir);
    return file ? net.fetch(pathToFileURL(file).href) : new Response('Not found', { status: 404 });
  });
  registerContract(service, () => ui.win?.webContents, entry.origin, (why) => log.logger.warn(why));
  // Every web contents (the window, and any other the app might ever create) gets the same guard.
  app.on('web-contents-created', (_e, contents) => guardContents(contents, entry.origin));
  session.defaultSession.setPermissionCheckHandler(() => false);

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': ["default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'"] } });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));

  const win = new BrowserWindow({
    width: 1180,
    height: 800,
    minWidth: 900,
    minHeight: 600,
    title: 'Django IIS Setup',
    show: false,
    webPreferences: { preload: path.join(here, '../preload/index.cjs'), contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true },
  });
  ui.win = win;
  win.once('ready-to-show', () => win.show());
  await win.loadURL(entry.url);
  app.on('window-all-closed', () => {
    void service.cancelDeployment().finally(() => host.dispose().finally(() => app.quit()));
  });
}
