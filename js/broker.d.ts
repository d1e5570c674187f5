// tsunagi/broker — BrokerClient, the page's side of the tsunagi Worker, with no WebAssembly: an app
// that signs in through the Worker loads this entry alone. The declarations are index.d.ts's own;
// TsunagiError is the same class as the one `tsunagi` exports.
export { BrokerClient, TsunagiError } from './index.js';
export type { BrokerSession, ErrorCode, TsunagiErrorDetails } from './index.js';
