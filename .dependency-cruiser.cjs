// The floors of src/ (README "Layout"), checked by `npm run check` (depcruise src). A
// floor imports only floors below it:
//   5  src/cli/, src/main.ts           both programs' command lines (node and operator)
//   5  src/node/start-node.ts          the node's wiring: engine, Node, front doors, transports
//   4  src/node/transport/, admin/,    HTTP, WebSocket, gRPC: framing only; the admin API and
//      consumers/                      the async consumers, which call the API executor
//   3  src/node/api/, src/node/client/ the two front doors, siblings that never import each other
//   3  src/node/lifecycle/             readiness, the drain, the rebalancing: through the Node,
//                                      beside the front doors; only the wiring uses it
//   2  src/node/core/, src/node/auth/  the Node (the only caller of the engine), hub, catalogues
//   2  src/node/proxy/                 the event proxies: client/ asks the application backend
//   1  src/node/engine/, protocol/, config/, observability/
// The operator and the node meet only in src/cli/ and src/node/config/index.ts. Type-only
// imports count (tsPreCompilationDeps): a circle of types is still a circle.
const FLOOR_2_UP = '^src/node/(core|auth|proxy|api|client|lifecycle|transport|admin|consumers)/';
const WIRING = '^src/node/start-node\\.ts$|^src/cli/|^src/main\\.ts$';

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import circles tie files into one unit; give the shared part its own file.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'floor-1-imports-no-floor-above',
      severity: 'error',
      comment:
        'engine/, protocol/, config/ and observability/ are floor 1: they never import core/, ' +
        'auth/, api/, client/, transport/ or the wiring.',
      from: { path: '^src/node/(engine|protocol|config|observability)/' },
      to: { path: [FLOOR_2_UP, WIRING] },
    },
    {
      name: 'protocol-stands-alone',
      severity: 'error',
      comment: 'protocol/ holds codecs both front doors use; it imports nothing else of the node.',
      from: { path: '^src/node/protocol/' },
      to: { path: '^src/node/', pathNot: '^src/node/protocol/' },
    },
    {
      name: 'core-below-front-doors',
      severity: 'error',
      comment:
        'core/ (floor 2) never imports api/, client/, lifecycle/, transport/, admin/, auth/, ' +
        'proxy/ or the wiring.',
      from: { path: '^src/node/core/' },
      to: {
        path: ['^src/node/(api|client|lifecycle|transport|admin|consumers|auth|proxy)/', WIRING],
      },
    },
    {
      name: 'proxy-beside-core',
      severity: 'error',
      comment:
        'proxy/ (floor 2) calls the application backend for client/: it uses config/, ' +
        'observability/ and protocol/, never the engine, core/, auth/ or a floor above.',
      from: { path: '^src/node/proxy/' },
      to: {
        path: [
          '^src/node/(engine|core|auth|api|client|lifecycle|transport|admin|consumers)/',
          WIRING,
        ],
      },
    },
    {
      name: 'auth-below-front-doors',
      severity: 'error',
      comment: 'auth/ (floor 2) checks credentials; it never imports the engine, core or above.',
      from: { path: '^src/node/auth/' },
      to: {
        path: ['^src/node/(engine|core|api|client|lifecycle|transport|admin|consumers)/', WIRING],
      },
    },
    {
      name: 'front-doors-reach-engine-through-core',
      severity: 'error',
      comment:
        'api/ and client/ reach the engine only through the Node (core/node.ts), as client.go ' +
        'reaches the broker only through node.go in centrifugal/centrifuge.',
      from: { path: '^src/node/(api|client)/' },
      to: { path: '^src/node/engine/' },
    },
    {
      name: 'api-and-client-are-siblings',
      severity: 'error',
      comment: 'api/ and client/ share core/ and protocol/, never each other.',
      from: { path: '^src/node/(api|client)/' },
      to: { path: '^src/node/(api|client)/', pathNot: '^src/node/$1/' },
    },
    {
      name: 'front-doors-below-transports',
      severity: 'error',
      comment:
        'api/ and client/ (floor 3) never import transport/, admin/, consumers/ or the wiring.',
      from: { path: '^src/node/(api|client)/' },
      to: { path: ['^src/node/(transport|admin|consumers)/', WIRING] },
    },
    {
      name: 'lifecycle-through-core',
      severity: 'error',
      comment:
        'lifecycle/ (floor 3) reaches the engine, the cluster and the connections only through ' +
        'the Node (core/), and the listeners only through what the wiring hands it: it imports ' +
        'core/, config/ and observability/, nothing else of the node.',
      from: { path: '^src/node/lifecycle/' },
      to: {
        path: '^src/node/',
        pathNot: '^src/node/(lifecycle|core|config|observability)/',
      },
    },
    {
      name: 'lifecycle-only-in-wiring',
      severity: 'error',
      comment:
        'The front doors and the transports get readiness and the drain as callbacks from ' +
        'start-node.ts; only the wiring imports lifecycle/.',
      from: { path: '^src/node/', pathNot: ['^src/node/lifecycle/', '^src/node/start-node\\.ts$'] },
      to: { path: '^src/node/lifecycle/' },
    },
    {
      name: 'transports-frame-only',
      severity: 'error',
      comment:
        'transport/ frames bytes for the front doors; admin/ and consumers/ go through them. ' +
        'None of them calls the engine.',
      from: { path: '^src/node/(transport|admin|consumers)/' },
      to: { path: ['^src/node/engine/', WIRING] },
    },
    {
      name: 'folders-meet-at-index',
      severity: 'error',
      comment:
        'A folder of src/node is used by the others through its index.ts (engine/nats/ and ' +
        'engine/memory/ through theirs), never through one of its files.',
      from: { path: '^src/node/([^/]+)/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^src/node/[^/]+/',
        pathNot: [
          '^src/node/$1/',
          '^src/node/[^/]+/index\\.ts$',
          '^src/node/engine/[^/]+/index\\.ts$',
        ],
      },
    },
    {
      name: 'nats-client-only-in-nats-engine',
      severity: 'error',
      comment:
        'engine/nats/ wraps JetStream behind the engine seam and consumers/ reads an ' +
        "application's JetStream stream; nothing else imports @nats-io.",
      from: { path: '^src/', pathNot: '^src/node/(engine/nats|consumers)/' },
      to: { path: '^node_modules/@nats-io/' },
    },
    {
      name: 'operator-meets-node-in-config',
      severity: 'error',
      comment:
        "The operator uses the node's config contract through src/node/config/index.ts and " +
        'nothing else of the node; the command line above both wires the rest.',
      from: { path: '^src/operator/' },
      to: { path: '^src/node/', pathNot: '^src/node/config/index\\.ts$' },
    },
    {
      name: 'cli-above-both-programs',
      severity: 'error',
      comment:
        'src/cli/ and src/main.ts sit above the node and the operator; neither imports them.',
      from: { path: '^src/(node|operator)/' },
      to: { path: '^src/cli/|^src/main\\.ts$' },
    },
    {
      name: 'cli-uses-public-surfaces',
      severity: 'error',
      comment:
        "The command line uses each program through its surfaces: the node's folders' " +
        "index.ts, start-node.ts and version.ts; the operator's index.ts, and its flag table " +
        '(cli-options.ts, which every start reads without loading the operator).',
      from: { path: '^src/cli/' },
      to: {
        path: '^src/(node|operator)/',
        pathNot: [
          '^src/node/[^/]+/index\\.ts$',
          '^src/node/(start-node|version)\\.ts$',
          '^src/operator/(index|cli-options)\\.ts$',
        ],
      },
    },
    {
      name: 'node-never-imports-operator',
      severity: 'error',
      comment: 'The node knows nothing of the operator; the two meet in src/cli/ only.',
      from: { path: '^src/node/' },
      to: { path: '^src/operator/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
    },
  },
};
