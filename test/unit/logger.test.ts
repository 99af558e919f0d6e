import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createLogger, defaultLogDir } from '../../src/main/logging/logger';
import type { LogEntry } from '../../src/shared/ipc';
import { redact } from '../../src/shared/problem';
import { tmp } from './helpers';

describe('logger', () => {
  it('writes JSON lines to the file and mirrors typed entries, with secrets redacted', async () => {
    const dir = tmp('log-');
    const log = createLogger(dir);
    const seen: LogEntry[] = [];
    log.mirror((e) => seen.push(e));
    log.logger.info("SECRET_KEY = 'django-insecure-abc123' was read", { source: 'engine', stepId: 'django-project' });
    log.logger.warn('password=hunter2 in CSC_KEY_PASSWORD=abc');
    await new Promise<void>((r) => {
      log.logger.on('finish', () => r());
      log.logger.end();
    });
    await new Promise((r) => setTimeout(r, 50));
    const lines = readFileSync(log.file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
    expect(lines[0]).toMatchObject({ level: 'info', source: 'engine', stepId: 'django-project' });
    expect(lines[0]?.message).not.toContain('abc123');
    expect(lines[1]?.message).not.toContain('hunter2');
    expect(seen[0]).toMatchObject({ level: 'info', source: 'engine', stepId: 'django-project' });
    expect(seen[0]?.message).toBe("SECRET_KEY = '[redacted]' was read");
  });

  it('logs under an OS-appropriate folder', () => {
    expect(defaultLogDir()).toMatch(/django-iis-setup|DjangoIISSetup/);
    expect(redact("SECRET_KEY = 'x'")).toBe("SECRET_KEY = '[redacted]'");
  });
});
