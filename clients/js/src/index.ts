export { PushClient, PushGatewayError } from "./client.js";
export type { ConnectionState, PushClientOptions, PushGap, PushMessage, PublishResult } from "./client.js";
