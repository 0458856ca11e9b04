/**
 * Serve maps over HTTP and Server-Sent Events: `createServiceMapServer`, with a Node `http`
 * handler and a WHATWG fetch handler. Loaded only from this entry point.
 * @module rx-lifecycle/http
 */
// Serving maps over HTTP and Server-Sent Events (SPEC section 9)
export { createServiceMapServer } from './createServiceMapServer.js';
export type { ServedMaps, ServiceMapServer } from './createServiceMapServer.js';
export type { AuthorizeContext, ServiceMapServerOptions } from './options.js';
export type { NextFunc } from './nodeHandler.js';
export type { Action } from '../internal/commands.js';
