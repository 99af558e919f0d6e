/** The shape of IIS's configuration schema (IIS_schema.xml) as the simulator keeps it: imported by the generated sections and by the schema's users, so neither imports the other. */
export interface AttrSchema {
  name: string;
  type: 'string' | 'bool' | 'enum' | 'flags' | 'uint' | 'int' | 'int64' | 'timeSpan';
  required?: boolean;
  key?: 'unique' | 'combined';
  default?: string;
  caseSensitive?: boolean;
  validation?: string;
  validationParameter?: string;
  allowInfinite?: boolean;
  values?: string[];
}

export interface ElementSchema {
  attributes: AttrSchema[];
  elements?: Record<string, ElementSchema>;
  collection?: CollectionSchema;
}

export interface CollectionSchema {
  add: string;
  remove?: string;
  clear?: string;
  mergeAppend: boolean;
  item: ElementSchema;
}

export type SectionSchema = ElementSchema;
