/** Types for `jssip-node-websocket` 3.0 (ships none): JsSIP's socket interface over the `websocket` package. */
declare module 'jssip-node-websocket' {
  import type { Socket } from 'jssip';

  export default class NodeWebSocket implements Socket {
    constructor(url: string, options?: { origin?: string; headers?: Record<string, string>; requestOptions?: object });
    via_transport: string;
    readonly url: string;
    readonly sip_uri: string;
    connect(): void;
    disconnect(): void;
    send(message: string | ArrayBufferLike): boolean;
    isConnected(): boolean;
    isConnecting(): boolean;
    onconnect(): void;
    ondisconnect(error: boolean, code?: number, reason?: string): void;
    ondata<T>(event: T): void;
  }
}
