/**
 * The simulated server's knowledge of IIS's configuration schema: the sections the engine
 * touches (generated from IIS_schema.xml) plus each section's declaration in
 * applicationHost.config's <configSections> (allowDefinition, overrideModeDefault) as a fresh
 * IIS 10 writes them. Validation messages follow appcmd's wording where it is known.
 */
import { GENERATED_SECTIONS } from './iis-schema.generated';
import type { AttrSchema, ElementSchema, SectionSchema } from './iis-schema-types';

export type { AttrSchema, CollectionSchema, ElementSchema, SectionSchema } from './iis-schema-types';

export interface SectionDeclaration {
  allowDefinition: 'AppHostOnly' | 'MachineToApplication' | 'Everywhere';
  overrideModeDefault: 'Allow' | 'Deny';
}

/** As declared in a fresh IIS 10 applicationHost.config <configSections>. */
export const SECTION_DECLARATIONS: Record<string, SectionDeclaration> = {
  'system.applicationHost/applicationPools': { allowDefinition: 'AppHostOnly', overrideModeDefault: 'Deny' },
  'system.applicationHost/sites': { allowDefinition: 'AppHostOnly', overrideModeDefault: 'Deny' },
  'system.webServer/fastCgi': { allowDefinition: 'AppHostOnly', overrideModeDefault: 'Deny' },
  'system.webServer/handlers': { allowDefinition: 'Everywhere', overrideModeDefault: 'Deny' },
  'system.webServer/staticContent': { allowDefinition: 'Everywhere', overrideModeDefault: 'Allow' },
  'system.webServer/httpErrors': { allowDefinition: 'Everywhere', overrideModeDefault: 'Deny' },
  'system.webServer/defaultDocument': { allowDefinition: 'Everywhere', overrideModeDefault: 'Allow' },
  'system.webServer/directoryBrowse': { allowDefinition: 'Everywhere', overrideModeDefault: 'Allow' },
  'system.webServer/globalModules': { allowDefinition: 'AppHostOnly', overrideModeDefault: 'Deny' },
  'system.webServer/modules': { allowDefinition: 'MachineToApplication', overrideModeDefault: 'Deny' },
  'system.webServer/cgi': { allowDefinition: 'Everywhere', overrideModeDefault: 'Deny' },
  'system.webServer/httpRedirect': { allowDefinition: 'Everywhere', overrideModeDefault: 'Allow' },
  'system.webServer/security/authentication/windowsAuthentication': { allowDefinition: 'Everywhere', overrideModeDefault: 'Deny' },
  'system.webServer/security/authentication/anonymousAuthentication': { allowDefinition: 'Everywhere', overrideModeDefault: 'Deny' },
};

/**
 * Sections that an add-on module declares when it is installed (not in a fresh IIS): the simulated
 * msiexec adds the declaration to <configSections>; until then appcmd does not know the section.
 * system.webServer/httpPlatform: HttpPlatformHandler v1.2's httpplatform_schema.xml as
 * windows-iis.md §9 lists it (the environmentVariables item element is "environmentVariable").
 */
export const MODULE_SECTIONS: Record<string, { declaration: SectionDeclaration; schema: SectionSchema }> = {
  'system.webServer/httpPlatform': {
    declaration: { allowDefinition: 'Everywhere', overrideModeDefault: 'Allow' },
    schema: {
      attributes: [
        { name: 'processPath', type: 'string' },
        { name: 'arguments', type: 'string', default: '' },
        { name: 'startupTimeLimit', type: 'uint', default: '120', validation: 'integerRange', validationParameter: '0,3600' },
        { name: 'startupRetryCount', type: 'uint', default: '10', validation: 'integerRange', validationParameter: '0,100' },
        { name: 'rapidFailsPerMinute', type: 'uint', default: '10', validation: 'integerRange', validationParameter: '0,100' },
        { name: 'requestTimeout', type: 'timeSpan', default: '00:02:00' },
        { name: 'stdoutLogEnabled', type: 'bool', default: 'false' },
        { name: 'stdoutLogFile', type: 'string', default: '.\\httpplatform-stdout' },
        { name: 'processesPerApplication', type: 'uint', default: '1', validation: 'integerRange', validationParameter: '1,100' },
        { name: 'forwardWindowsAuthToken', type: 'bool', default: 'false' },
      ],
      elements: {
        recycleOnFileChange: { attributes: [], collection: { add: 'file', clear: 'clear', mergeAppend: true, item: { attributes: [{ name: 'path', type: 'string', required: true, key: 'unique', validation: 'nonEmptyString' }] } } },
        environmentVariables: {
          attributes: [],
          collection: { add: 'environmentVariable', clear: 'clear', mergeAppend: true, item: { attributes: [{ name: 'name', type: 'string', required: true, key: 'unique', validation: 'nonEmptyString' }, { name: 'value', type: 'string', required: true }] } },
        },
      },
    },
  },
};

export function sectionSchema(name: string): SectionSchema | undefined {
  return GENERATED_SECTIONS[name] ?? MODULE_SECTIONS[name]?.schema;
}

/** A section's declaration: IIS's own, or an installed module's. */
export function sectionDeclaration(name: string): SectionDeclaration | undefined {
  return SECTION_DECLARATIONS[name] ?? MODULE_SECTIONS[name]?.declaration;
}

export function knownSections(): string[] {
  return Object.keys(GENERATED_SECTIONS);
}

/** Returns appcmd's complaint about a value for an attribute, or null when IIS accepts it. */
export function attributeValueProblem(attr: AttrSchema, value: string): string | null {
  switch (attr.type) {
    case 'bool':
      if (!/^(true|false)$/i.test(value)) return `The value "${value}" is not valid for attribute "${attr.name}": expected "true" or "false".`;
      return null;
    case 'uint':
    case 'int':
    case 'int64': {
      if (!/^-?\d+$/.test(value)) return `Invalid integer value "${value}" for attribute "${attr.name}".`;
      const n = Number(value);
      if (attr.type === 'uint' && (n < 0 || n > 4294967295)) return `Integer value "${value}" is out of range for attribute "${attr.name}".`;
      if (attr.validation === 'integerRange' && attr.validationParameter) {
        const [lo, hi, mode] = attr.validationParameter.split(',');
        const inside = n >= Number(lo) && n <= Number(hi);
        if (mode === 'exclude' ? inside : !inside)
          return `Integer value must ${mode === 'exclude' ? 'not ' : ''}be between ${lo} and ${hi} inclusive.`;
      }
      return null;
    }
    case 'enum':
      if (!(attr.values ?? []).some((v) => v.toLowerCase() === value.toLowerCase()) && !/^\d+$/.test(value))
        return `Enum must be one of ${(attr.values ?? []).join(', ')}`;
      return null;
    case 'flags': {
      const parts = value.split(',').map((x) => x.trim()).filter((x) => x);
      const bad = parts.find((p) => !(attr.values ?? []).some((v) => v.toLowerCase() === p.toLowerCase()));
      if (bad) return `Flags must be some combination of ${(attr.values ?? []).join(', ')}`;
      return null;
    }
    case 'timeSpan':
      if (!/^(\d+\.)?\d{1,2}:\d{2}:\d{2}(\.\d+)?$/.test(value) && !/^\d+$/.test(value)) return `Invalid timespan value "${value}" for attribute "${attr.name}".`;
      return null;
    case 'string':
      if (attr.validation === 'nonEmptyString' && value.length === 0) return `String must not be empty`;
      if (attr.validation === 'siteName' && /[\\/?;:@&=+$,|"<>*]/.test(value)) return `Invalid site name`;
      if (attr.validation === 'applicationPoolName' && /[\\/?;:@&=+$,|"<>*]/.test(value)) return `Invalid application pool name`;
      if ((attr.validation === 'applicationPath' || attr.validation === 'virtualDirectoryPath') && !value.startsWith('/'))
        return `Invalid application path`;
      return null;
  }
}

/** Canonical form of a value as IIS writes it back (enum case as in the schema). */
export function canonicalValue(attr: AttrSchema, value: string): string {
  if (attr.type === 'enum') return (attr.values ?? []).find((v) => v.toLowerCase() === value.toLowerCase()) ?? value;
  if (attr.type === 'bool') return value.toLowerCase();
  return value;
}

export function keyAttributes(item: ElementSchema): AttrSchema[] {
  return item.attributes.filter((a) => a.key === 'unique' || a.key === 'combined');
}
