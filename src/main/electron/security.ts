/**
 * The Electron security checklist, as pure functions the glue applies and the tests can run with
 * electron mocked: the renderer's address (the dev server only when the app is not packaged,
 * else the app:// scheme serving the built files, never file://), the exact origin an IPC sender
 * must have, a guard on every web contents (navigation, new windows, webviews, permission checks
 * and requests), and the app:// file resolution that never leaves the renderer's folder.
 */
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'bundle';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** Where the window loads from, and the one origin trusted for IPC and navigation. */
export function rendererEntry(isPackaged: boolean, devUrl: string | undefined): { url: string; origin: string } {
  if (!isPackaged && devUrl) {
    const u = new URL(devUrl);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname)) return { url: u.href, origin: originOf(u.href) ?? '' };
  }
  return { url: `${APP_ORIGIN}/index.html`, origin: APP_ORIGIN };
}

/** scheme://host[:port] of a URL (URL.origin is "null" for a custom scheme such as app://). */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return undefined;
  }
}

export function sameOrigin(url: string, origin: string): boolean {
  return origin !== '' && originOf(url) === origin;
}

/** The file an app:// request names inside the renderer's folder, or undefined (another host, or a path out of it). */
export function appFile(requestUrl: string, rendererDir: string): string | undefined {
  let u: URL;
  try {
    u = new URL(requestUrl);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return undefined;
  const rel = decodeURIComponent(u.pathname).replace(/^\/+/, '') || 'index.html';
  const file = path.resolve(rendererDir, rel);
  const root = path.resolve(rendererDir);
  return file === root || !file.startsWith(root + path.sep) ? undefined : file;
}

/** What the guard needs of a WebContents (Electron's, or a test's stand-in). */
export interface GuardedContents {
  setWindowOpenHandler(h: () => { action: 'deny' }): void;
  on(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', listener: (e: { preventDefault(): void; url?: string }, url?: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (e: { preventDefault(): void }) => void): unknown;
  session: {
    setPermissionCheckHandler(h: () => boolean): void;
    setPermissionRequestHandler(h: (wc: unknown, permission: string, cb: (ok: boolean) => void) => void): void;
  };
}

/** Applied to every web contents the app creates (app.on('web-contents-created')). */
export function guardContents(contents: GuardedContents, origin: string): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const stayHome = (e: { preventDefault(): void; url?: string }, url?: string) => {
    if (!sameOrigin(url ?? e.url ?? '', origin)) e.preventDefault();
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-frame-navigate', stayHome);
  contents.on('will-redirect', stayHome);
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.session.setPermissionCheckHandler(() => false);
  contents.session.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
}
