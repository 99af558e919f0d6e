/**
 * The Windows host's pure parts, on Linux (the rest runs under Windows Node in the Wine lane:
 * test/windows/host.wintest.ts). Importing windows-host.ts here is safe: it spawns nothing at load.
 */
import { describe, expect, it } from 'vitest';
import { decodeConsole, parseOemCodePage } from '../../src/main/hosts/windows/codepage';
import { windowsEnv } from '../../src/main/hosts/windows/windows-host';
import { parseRequest } from '../windows/bridge';

describe('console output decoding', () => {
  it('UTF-8 when the bytes are UTF-8, else the OEM code page', () => {
    expect(decodeConsole(Buffer.from('ÉTAT : Café', 'utf8'), 437)).toBe('ÉTAT : Café');
    // "ÉTAT : Café" in code page 850 (and 437): É = 0x90, é = 0x82
    const cp850 = Buffer.from([0x90, 0x54, 0x41, 0x54, 0x20, 0x3a, 0x20, 0x43, 0x61, 0x66, 0x82]);
    expect(decodeConsole(cp850, 850)).toBe('ÉTAT : Café');
    expect(decodeConsole(cp850, 437)).toBe('ÉTAT : Café');
    // German netstat in 850: ABHÖREN (Ö = 0x99)
    expect(decodeConsole(Buffer.from([0x41, 0x42, 0x48, 0x99, 0x52, 0x45, 0x4e]), 850)).toBe('ABHÖREN');
    // zh-CN (936, GBK): 状态
    expect(decodeConsole(Buffer.from([0xd7, 0xb4, 0xcc, 0xac]), 936)).toBe('状态');
  });

  it('reads OEMCP from reg query, 437 when absent', () => {
    expect(parseOemCodePage('\r\nHKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Nls\\CodePage\r\n    OEMCP    REG_SZ    850\r\n')).toBe(850);
    expect(parseOemCodePage('ERROR: The system was unable to find the specified registry key or value.')).toBe(437);
  });
});

describe('the child environment on Windows', () => {
  it('the engine\'s variables replace the tool\'s whatever their case (one Path, not Path and PATH)', () => {
    const env = windowsEnv({ Path: 'C:\\Windows', TEMP: 'C:\\t' }, { PATH: 'C:\\x;C:\\Windows', DJANGO_SETTINGS_MODULE: 'foo.settings' });
    expect(Object.keys(env).filter((k) => k.toLowerCase() === 'path')).toEqual(['PATH']);
    expect(env).toMatchObject({ PATH: 'C:\\x;C:\\Windows', TEMP: 'C:\\t', DJANGO_SETTINGS_MODULE: 'foo.settings' });
  });
});

describe('the Wine lane bridge request', () => {
  const enc = (argv: string[], cwd: string, env: string[]) => {
    const parts: Buffer[] = [Buffer.from('DJIS')];
    const u32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(n);
      parts.push(b);
    };
    const str = (s: string) => {
      u32(Buffer.byteLength(s));
      parts.push(Buffer.from(s));
    };
    u32(argv.length);
    argv.forEach(str);
    str(cwd);
    u32(env.length);
    env.forEach(str);
    return Buffer.concat(parts);
  };
  it('parses a complete request, waits for an incomplete one, refuses another protocol', () => {
    const req = enc(['C:\\Windows\\System32\\inetsrv\\appcmd.exe', 'add', 'site', '/name:my site', '', 'naïve'], 'C:\\lane', ['A=1', 'B=é']);
    expect(parseRequest(req)).toEqual({ argv: ['C:\\Windows\\System32\\inetsrv\\appcmd.exe', 'add', 'site', '/name:my site', '', 'naïve'], cwd: 'C:\\lane', env: ['A=1', 'B=é'] });
    expect(parseRequest(req.subarray(0, req.length - 1))).toBeUndefined();
    expect(() => parseRequest(Buffer.from('GET / HTTP/1.1'))).toThrow('not a stand-in request');
  });
});
