/** electron-builder.yml against electron-builder's own schema (packaging cannot run here). */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv } from 'ajv';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const scheme = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true }).compile(scheme);
const config = yaml.load(readFileSync(new URL('../../electron-builder.yml', import.meta.url), 'utf8')) as Record<string, Record<string, unknown>>;

describe('electron-builder.yml', () => {
  it('is valid for electron-builder 26', () => {
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a misspelt option fails validation', () => {
    expect(validate({ ...config, win: { ...config.win, requestedExecutionLevl: 'requireAdministrator' } })).toBe(false);
    expect(validate({ ...config, electronFuses: { runAsNodee: false } })).toBe(false);
  });

  it('builds a portable exe that requires elevation, with fuses set and icons present', () => {
    expect(config.win?.target).toEqual([{ target: 'portable', arch: ['x64'] }]);
    expect(config.win?.requestedExecutionLevel).toBe('requireAdministrator');
    expect(config.portable?.requestExecutionLevel).toBe('admin');
    expect(config.electronFuses).toMatchObject({ runAsNode: false, enableNodeOptionsEnvironmentVariable: false, enableNodeCliInspectArguments: false, enableEmbeddedAsarIntegrityValidation: true });
    expect(existsSync(new URL(`../../${String(config.win?.icon)}`, import.meta.url))).toBe(true);
    expect(readFileSync(new URL('../../assets/icon.ico', import.meta.url)).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
  });
});
