export { signedHeaders, streamQuery, type PlayerCredentials } from './signing.js';
export { PlayerClient, AdminClient, type ApiResponse } from './http-client.js';
export { PlayerStream, type StreamMessage } from './stream.js';
