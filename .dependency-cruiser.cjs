/** Boundaries (DESIGN.md): the renderer never imports main; the engine never imports electron. */
module.exports = {
  forbidden: [
    { name: 'renderer-not-to-main', severity: 'error', from: { path: '^src/renderer' }, to: { path: '^src/(main|preload)/' } },
    { name: 'renderer-no-node', severity: 'error', from: { path: '^src/renderer' }, to: { dependencyTypes: ['core'] } },
    { name: 'shared-is-shared', comment: 'src/shared holds types and pure code for every process', severity: 'error', from: { path: '^src/shared' }, to: { path: '^src/(main|preload|renderer)/' } },
    { name: 'shared-no-node', severity: 'error', from: { path: '^src/shared' }, to: { dependencyTypes: ['core'] } },
    { name: 'electron-only-in-glue', severity: 'error', from: { path: '^src/', pathNot: '^src/(main/electron|preload)/' }, to: { path: '^electron$|node_modules/electron/' } },
    { name: 'engine-not-to-glue', severity: 'error', from: { path: '^src/main/(engine|hosts|cli|service|logging)' }, to: { path: '^src/main/electron' } },
    { name: 'engine-platform-free', comment: 'the engine talks to the Host port, never to a host (the caller hands it one: the export plans on a blank server made by src/main/export)', severity: 'error', from: { path: '^src/main/engine' }, to: { path: '^src/main/hosts/' } },
    { name: 'preload-only-shared', severity: 'error', from: { path: '^src/preload' }, to: { path: '^src/(main|renderer)/' } },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'not-to-unresolvable', severity: 'error', from: {}, to: { couldNotResolve: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.node.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'], extensions: ['.ts', '.tsx', '.js', '.d.ts'] },
    exclude: { path: 'iis-schema\\.generated\\.ts$' },
  },
};
