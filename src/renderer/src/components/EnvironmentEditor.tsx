/**
 * The application's environment: name/value rows set on the FastCGI application. A row can be
 * the generated secret key: its value is made on the server, kept only there, and never shown.
 */
import { Button, Caption1, Checkbox, Field, Input, makeStyles, tokens } from '@fluentui/react-components';

export interface EnvRow {
  name: string;
  value: string;
  /** The generated Django SECRET_KEY (config "secretKey": {"env": name}). */
  secret: boolean;
}

const useStyles = makeStyles({
  row: { display: 'grid', gridTemplateColumns: 'minmax(140px, 1fr) minmax(180px, 2fr) auto auto', gap: tokens.spacingHorizontalM, alignItems: 'end' },
  rows: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalS },
});

/** The configuration keys the rows stand for: environment (NAME -> value) and secretKey. */
export function envToConfig(rows: EnvRow[]): { environment?: Record<string, string>; secretKey?: { env: string } } {
  const env: Record<string, string> = {};
  let secretKey: { env: string } | undefined;
  for (const r of rows) {
    if (!r.name && !r.value) continue;
    if (r.secret) secretKey = { env: r.name };
    else env[r.name] = r.value;
  }
  return { ...(Object.keys(env).length ? { environment: env } : {}), ...(secretKey ? { secretKey } : {}) };
}

export function EnvironmentEditor({ rows, onChange, problemFor }: { rows: EnvRow[]; onChange: (rows: EnvRow[]) => void; problemFor: (key: string) => string | undefined }) {
  const s = useStyles();
  const set = (i: number, patch: Partial<EnvRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const hasSecret = rows.some((r) => r.secret);
  return (
    <div className={s.rows} data-testid="environment">
      <Caption1>Environment variables the application reads (for example DJANGO_DEBUG, DATABASE_URL). They are set on the FastCGI application (or for waitress), next to the variables the tool sets itself.</Caption1>
      {rows.map((r, i) => {
        const problem = problemFor(`environment.${r.name}`) ?? (r.secret ? problemFor('secretKey') : undefined);
        return (
          <div className={s.row} key={i}>
            <Field label={i === 0 ? 'Name' : undefined} validationMessage={problem} validationState={problem ? 'error' : 'none'}>
              <Input aria-label={`Variable ${i + 1} name`} value={r.name} onChange={(_e, d) => set(i, { name: d.value })} data-testid={`env-name-${i}`} />
            </Field>
            <Field label={i === 0 ? 'Value' : undefined}>
              <Input
                aria-label={`Variable ${i + 1} value`}
                value={r.secret ? '' : r.value}
                placeholder={r.secret ? 'generated on the server, never shown' : ''}
                disabled={r.secret}
                onChange={(_e, d) => set(i, { value: d.value })}
                data-testid={`env-value-${i}`}
              />
            </Field>
            <Checkbox label="Generated secret key" checked={r.secret} disabled={hasSecret && !r.secret} onChange={(_e, d) => set(i, { secret: Boolean(d.checked) })} data-testid={`env-secret-${i}`} />
            <Button onClick={() => onChange(rows.filter((_x, j) => j !== i))} aria-label={`Remove variable ${i + 1}`} data-testid={`env-remove-${i}`}>
              Remove
            </Button>
          </div>
        );
      })}
      <div>
        <Button onClick={() => onChange([...rows, { name: hasSecret ? '' : rows.length === 0 ? 'DJANGO_SECRET_KEY' : '', value: '', secret: !hasSecret && rows.length === 0 }])} data-testid="env-add">
          Add a variable
        </Button>
      </div>
    </div>
  );
}
