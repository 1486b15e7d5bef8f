// The layers of ARCHITECTURE.md, enforced by `npm run lint`. Every folder (and top-level
// file) of src has a rank: it may import lower ranks only. That rules out imports against
// the layers and cycles between folders; `no-circular` rules out cycles between files,
// type-only imports included.
const LAYERS = [
  ['protocol', ['protocol']],
  ['foundation', ['lib', 'errors', 'config', 'metrics', 'postgres']],
  ['domain', ['models', 'auth', 'schemas', 'services']],
  ['events', ['pubsub', 'presence', 'webhooks']],
  ['edges', ['http', 'realtime', 'client', 'cli', 'console']],
  ['composition', ['app', 'main']],
];
const RANKS = LAYERS.flatMap(([, folders]) => folders);
const path = (...names) => `^src/(${names.join('|')})(/|\\.tsx?$)`;
const layerOf = (name) => LAYERS.find(([, folders]) => folders.includes(name))[0];

/** The edges stand side by side, each on the layers below; these are users of another edge. */
const EDGE_USES = { console: ['client'], cli: ['client'] };

/** A part imports nothing ranked at or above it but itself, and an edge no other edge it does not use. */
const ranked = RANKS.map((name, i) => {
  const edges = layerOf(name) === 'edges' ? RANKS.slice(0, i).filter((n) => layerOf(n) === 'edges') : [];
  const forbidden = RANKS.slice(i + 1).concat(edges.filter((n) => !EDGE_USES[name]?.includes(n)));
  return {
    name: `layer-${layerOf(name)}-${name}`,
    comment: `src/${name} (${layerOf(name)}) imports only what ranks below it in ARCHITECTURE.md.`,
    severity: 'error',
    from: { path: path(name) },
    to: { path: path(...forbidden) },
  };
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'A cycle, even of type-only imports, means two files are one job or a seam is missing.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...ranked,
    {
      name: 'protocol-is-a-leaf',
      comment: 'src/protocol is shared with browsers: it imports no package and nothing else of src.',
      severity: 'error',
      from: { path: path('protocol') },
      to: { pathNot: path('protocol') },
    },
    {
      name: 'client-speaks-protocol-only',
      comment: 'The client library runs in browsers: of the server it knows only src/protocol.',
      severity: 'error',
      from: { path: path('client') },
      to: { path: '^src/', pathNot: path('client', 'protocol') },
    },
    {
      name: 'console-uses-the-client',
      comment: 'The console is a user of the client, like any other app.',
      severity: 'error',
      from: { path: path('console') },
      to: { path: '^src/', pathNot: path('console', 'client', 'protocol') },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
