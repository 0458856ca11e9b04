/**
 * Mirror a remote map anywhere (Node 18+, browsers): `RemoteServiceMap`, a `ServiceStates`
 * with commands, over fetch and Server-Sent Events.
 * @module rx-lifecycle/client
 */
// A live mirror of a remote map, over fetch and Server-Sent Events (SPEC section 9)
export { RemoteServiceMap } from './RemoteServiceMap.js';
export type { HeadersSource, RemoteConnection, RemoteServiceMapOptions } from './options.js';
export type { RemoteStateRecord } from './RemoteStateRecord.js';
export type { ConfigureOptions, CreateCommand, RemoteCommands } from './RemoteCommands.js';

// Errors
export { RemoteError } from './RemoteError.js';
