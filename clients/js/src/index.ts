export { PushClient, PushGatewayError } from "./client.js";
export type { ConnectionState, PushClientOptions, PushGap, PushMessage, PublishResult, Transport } from "./client.js";
