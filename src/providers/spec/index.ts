export type * from './chat-request.js';
export type * from './chat-response.js';
export type * from './embed.js';
export type * from './provider.js';
export type * from './stream-part.js';
