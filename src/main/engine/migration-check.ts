/**
 * What a release's migrations do to the release that is live while they run: Django itself is
 * asked (the venv's Python, the application's environment, the release's code, the live database)
 * for the migrations it has not applied, and each operation is sorted by what the older code
 * still does against the new schema:
 *   additive   the older release reads and writes as before (CreateModel, AddIndex, AddField
 *              nullable or with a database default, options only Django sees, ...)
 *   writes     its INSERTs or UPDATEs fail (AddField NOT NULL without a database default, AlterField
 *              to NOT NULL, a new unique or check constraint)
 *   reads      its SELECTs fail (RemoveField, DeleteModel, RenameField, RenameModel, AlterModelTable,
 *              AlterField that changes the column's type)
 *   unknown    Django cannot say (RunPython, RunSQL, SeparateDatabaseAndState, an operation of a
 *              third-party app)
 * This is Django's model state, not a guess from the file names; the real server runs the same probe.
 */
import type { MigrationVerdict } from '../../shared/release';
import { verdictLine } from '../../shared/migration-verdict';
import type { Problem } from '../../shared/problem';

export type { MigrationVerdict, MigrationVerdictKind } from '../../shared/release';
export { verdictLine } from '../../shared/migration-verdict';

/** The probe: prints one line of JSON after MIGRATION_CHECK, or MIGRATION_CHECK_ERROR and a traceback. */
export const MIGRATION_CHECK_PY = String.raw`
import json, sys, traceback
try:
    import django
    django.setup()
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations import operations as ops
    from django.db.migrations.executor import MigrationExecutor
    from django.db.models.fields import NOT_PROVIDED
    # Before a release is staged (the plan): the live release's Django and database, with each
    # app's migrations read from the new source folder given as the first argument.
    src = sys.argv[1] if len(sys.argv) > 1 else ''
    if src:
        import os, types
        from django.apps import apps
        from django.conf import settings
        # Each app's migrations package taken from the source through MIGRATION_MODULES (a package
        # of the probe's own whose path is the app's folder in the source): the loader's reload finds it there too.
        chosen = dict(getattr(settings, 'MIGRATION_MODULES', None) or {})
        for cfg in apps.get_app_configs():
            base = os.path.join(src, *cfg.name.split('.'))
            if cfg.label in chosen or not os.path.isfile(os.path.join(base, 'migrations', '__init__.py')):
                continue
            pkg = 'djiis_source_' + cfg.label
            m = types.ModuleType(pkg)
            m.__path__ = [base]
            sys.modules[pkg] = m
            chosen[cfg.label] = pkg + '.migrations'
        settings.MIGRATION_MODULES = chosen
    ex = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    plan = ex.migration_plan(ex.loader.graph.leaf_nodes())
    state = ex._create_project_state(with_applied_migrations=True)
    def has_db_default(f):
        return getattr(f, 'db_default', NOT_PROVIDED) is not NOT_PROVIDED
    def col(f):
        try:
            return f.db_type(connections[DEFAULT_DB_ALIAS])
        except Exception:
            return f.get_internal_type()
    def old_field(app, model, name):
        m = state.models.get((app, model.lower()))
        if m is None:
            return None
        fields = m.fields if isinstance(m.fields, dict) else dict(m.fields)
        return fields.get(name)
    def classify(app, op):
        k = type(op).__name__
        where = lambda: '%s.%s' % (getattr(op, 'model_name', getattr(op, 'name', '?')), getattr(op, 'name', ''))
        if isinstance(op, (ops.RunPython, ops.RunSQL, ops.SeparateDatabaseAndState)):
            return 'unknown', '%s: Django cannot tell what it changes' % k
        if isinstance(op, ops.AddField):
            f = op.field
            label = '%s.%s' % (op.model_name, op.name)
            if f.many_to_many:
                return 'additive', 'AddField %s: a table of its own' % label
            if getattr(f, 'unique', False) and not f.primary_key:
                return 'writes', 'AddField %s: unique, the older release writes rows that may repeat it' % label
            if f.null or has_db_default(f):
                return 'additive', 'AddField %s: %s' % (label, 'nullable' if f.null else 'a database default (db_default)')
            return 'writes', 'AddField %s: NOT NULL without a database default%s; the older release does not set it, so its inserts fail' % (label, ' (default= is Python-side only)' if f.has_default() else '')
        if isinstance(op, ops.AlterField):
            label = '%s.%s' % (op.model_name, op.name)
            old, new = old_field(app, op.model_name, op.name), op.field
            if old is None:
                return 'unknown', 'AlterField %s: the field before is not known' % label
            if col(old) != col(new):
                return 'reads', 'AlterField %s: the column changes from %s to %s' % (label, col(old), col(new))
            if old.null and not new.null and not has_db_default(new):
                return 'writes', 'AlterField %s: becomes NOT NULL; the older release may write NULL' % label
            if getattr(new, 'unique', False) and not getattr(old, 'unique', False):
                return 'writes', 'AlterField %s: becomes unique' % label
            return 'additive', 'AlterField %s: the column stays as the older release uses it' % label
        if isinstance(op, (ops.RemoveField,)):
            return 'reads', 'RemoveField %s.%s: the older release still selects the column' % (op.model_name, op.name)
        if isinstance(op, ops.RenameField):
            return 'reads', 'RenameField %s.%s to %s: the older release selects the old name' % (op.model_name, op.old_name, op.new_name)
        if isinstance(op, ops.DeleteModel):
            return 'reads', 'DeleteModel %s: the older release still uses its table' % op.name
        if isinstance(op, ops.RenameModel):
            return 'reads', 'RenameModel %s to %s: the table is renamed' % (op.old_name, op.new_name)
        if isinstance(op, ops.AlterModelTable):
            return 'reads', 'AlterModelTable %s: the table is renamed' % op.name
        if isinstance(op, ops.AddConstraint):
            return 'writes', 'AddConstraint %s on %s: the older release may write rows it refuses' % (op.constraint.name, op.model_name)
        if isinstance(op, ops.AlterUniqueTogether) and op.option_value:
            return 'writes', 'AlterUniqueTogether %s: a unique constraint the older release may break' % op.name
        if isinstance(op, (ops.CreateModel, ops.AddIndex, ops.RemoveIndex, ops.RemoveConstraint, ops.AlterModelOptions, ops.AlterModelManagers, ops.AlterIndexTogether, ops.AlterUniqueTogether, ops.AlterOrderWithRespectTo)) or k in ('RenameIndex', 'AlterModelTableComment', 'AddIndexConcurrently', 'RemoveIndexConcurrently'):
            return 'additive', '%s %s: the older release reads and writes as before' % (k, getattr(op, 'name', getattr(op, 'model_name', '')))
        return 'unknown', '%s: an operation the tool does not know' % k
    rank = {'additive': 0, 'unknown': 1, 'writes': 2, 'reads': 3}
    out = []
    for migration, backwards in plan:
        if backwards:
            continue
        app = migration.app_label
        found = []
        for op in migration.operations:
            v, why = classify(app, op)
            found.append({'verdict': v, 'reason': why})
            try:
                op.state_forwards(app, state)
            except Exception:
                pass
        worst = max([f['verdict'] for f in found] or ['additive'], key=lambda v: rank[v])
        out.append({'migration': '%s.%s' % (app, migration.name), 'verdict': worst, 'reversible': all(getattr(op, 'reversible', True) for op in migration.operations), 'operations': found})
    print('MIGRATION_CHECK' + json.dumps({'django': django.get_version(), 'migrations': out}))
except Exception:
    print('MIGRATION_CHECK_ERROR')
    traceback.print_exc(file=sys.stdout)
`;

export interface MigrationCheck {
  django: string;
  migrations: MigrationVerdict[];
}

/** The probe's answer, or the error it printed. */
export function parseMigrationCheck(stdout: string): MigrationCheck | { error: string } {
  const line = stdout.split(/\r?\n/).find((l) => l.startsWith('MIGRATION_CHECK{'));
  if (line) return JSON.parse(line.slice('MIGRATION_CHECK'.length)) as MigrationCheck;
  const tb = stdout.split('MIGRATION_CHECK_ERROR').at(-1)?.trim() ?? '';
  return { error: tb.split(/\r?\n/).filter((l) => l.trim()).at(-1) ?? 'the probe printed nothing' };
}

export const breaking = (vs: MigrationVerdict[] | undefined): MigrationVerdict[] => (vs ?? []).filter((v) => v.verdict !== 'additive');

/** How to make a breaking migration additive (expand now, contract in a later release), for the Django the release runs. */
export function expandContract(vs: MigrationVerdict[], django: string): string {
  const major = Number(django.split('.')[0]);
  const ops = vs.flatMap((v) => v.operations.filter((o) => o.verdict !== 'additive').map((o) => o.reason));
  const adds = ops.some((o) => /^AddField|^AlterField .*NOT NULL/.test(o));
  const removes = ops.some((o) => /^(RemoveField|DeleteModel|RenameField|RenameModel|AlterModelTable)/.test(o));
  const parts: string[] = [];
  if (adds)
    parts.push(major >= 5
      ? `give the new field a database default (Django ${django} has db_default, e.g. models.CharField(max_length=100, default='', db_default='')) or null=True, so release rows the older code inserts stay valid; make it NOT NULL in a later release`
      : `make the new field null=True in this release (Django ${django} has no db_default: that is 5.0+), fill it, and make it NOT NULL in a later release once no older release runs`);
  if (removes) parts.push('keep the old column or table in this release (stop using it in the code first); remove or rename it in a later release, once no release that uses it can be gone back to');
  if (ops.some((o) => /^(RunPython|RunSQL|SeparateDatabaseAndState)/.test(o))) parts.push('a data migration (RunPython, RunSQL) is the team\'s to judge: if the older release keeps working with it, say so with "migrate": "manual" and run it yourself');
  return parts.join('; ');
}

/** The problem that stops an update whose migrations break the live release (the plan and the migrate step say the same). */
export function breakingProblem(a: { target: { number: number; label: string }; live: { number: number; label: string }; verdicts: MigrationVerdict[]; django: string; python: string; managePy: string; staged: boolean }): Problem {
  const bad = breaking(a.verdicts);
  return {
    what: `Release ${a.target.number} (${a.target.label})'s migrations would break release ${a.live.number} (${a.live.label}) while it still serves: ${bad.map(verdictLine).join('; ')}.`,
    why: `Migrations run before the switch, while release ${a.live.number} serves (staging and verification take tens of seconds), and release ${a.live.number} serves them again after a go-back. What Django says of each: ${a.verdicts.map(verdictLine).join('; ')}. ${a.staged ? `None was run; release ${a.live.number} keeps serving and release ${a.target.number} stays staged.` : `Nothing was changed: release ${a.live.number} keeps serving (the live release's Django read the new migrations from the source, against the live database).`}`,
    fix: `Make the migration additive (expand now, contract later): ${expandContract(bad, a.django)}; then apply again. Or set "migrate": "manual" and run them yourself in a window where release ${a.live.number} takes no writes: ${a.python} ${a.managePy} migrate.`,
  };
}

