export { CONSUME_PATH, startUniGrpcServer, type UniGrpcServer } from './uni-grpc-server.ts';
