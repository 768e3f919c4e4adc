export { uniWebSocketEndpoint } from './uni-ws-endpoint.ts';
export { routeUpgrades, type UpgradeEndpoint } from './upgrade-router.ts';
export { webSocketEndpoint } from './ws-endpoint.ts';
