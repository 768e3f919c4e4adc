export { type GrpcApiServer, type GrpcServerDeps, startGrpcServer } from './server.ts';
