export { default, TsunagiSession, TsunagiConnection, TsunagiBroker } from 'tsunagi/worker';
