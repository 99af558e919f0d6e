/**
 * winston logger: JSON lines to a rotating file (%ProgramData%\DjangoIISSetup\logs on Windows,
 * the XDG state folder elsewhere), mirrored to listeners (the wizard's live log) as typed
 * entries. Every message passes through redact(): secrets never reach a line or an event.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import winston from 'winston';
import Transport from 'winston-transport';
import { redact } from '../../shared/problem';
import type { LogEntry } from '../../shared/ipc';

export function defaultLogDir(): string {
  if (process.env.DJANGO_IIS_LOG_DIR) return process.env.DJANGO_IIS_LOG_DIR;
  if (process.platform === 'win32') return path.join(process.env.ProgramData ?? 'C:\\ProgramData', 'DjangoIISSetup', 'logs');
  const state = process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state');
  return path.join(state, 'django-iis-setup', 'logs');
}

class MirrorTransport extends Transport {
  constructor(private readonly onEntry: (e: LogEntry) => void) {
    super();
  }
  override log(info: Record<string, unknown>, next: () => void): void {
    const level = String(info.level) as LogEntry['level'];
    this.onEntry({
      level: ['error', 'warn', 'info', 'debug'].includes(level) ? level : 'info',
      message: String(info.message),
      timestamp: typeof info.timestamp === 'string' ? info.timestamp : new Date().toISOString(),
      source: (info.source as LogEntry['source']) ?? 'main',
      ...(typeof info.stepId === 'string' ? { stepId: info.stepId } : {}),
    });
    next();
  }
}

const redactFormat = winston.format((info) => {
  info.message = redact(String(info.message));
  return info;
});

export interface AppLogger {
  logger: winston.Logger;
  file: string;
  /** Adds a listener for every entry (the wizard); returns a function that removes it. */
  mirror(listener: (e: LogEntry) => void): () => void;
}

export function createLogger(dir = defaultLogDir()): AppLogger {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'django-iis-setup.log');
  const listeners = new Set<(e: LogEntry) => void>();
  const logger = winston.createLogger({
    level: 'debug',
    format: winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json()),
    transports: [
      new winston.transports.File({ filename: file, maxsize: 5 * 1024 * 1024, maxFiles: 5, tailable: true }),
      new MirrorTransport((e) => listeners.forEach((l) => l(e))),
    ],
  });
  return {
    logger,
    file,
    mirror(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
