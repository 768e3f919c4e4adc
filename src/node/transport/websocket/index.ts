export { attachWebSocket, type WebSocketEndpoint } from './ws-endpoint.ts';
