/** What a transaction tells its transaction user (TU): the UA core or a dialog. */
import type { SipResponse } from '../message/message.ts';
import type { TransactionTimeoutError } from '../sip-error.ts';

export interface ClientTransactionUser {
  /**
   * Every response the TU must see: provisional and final ones, and for INVITE each 2xx
   * retransmission too (RFC 6026 "Accepted": the TU acknowledges every 2xx).
   */
  onResponse(response: SipResponse): void;
  /** Timer B / F fired before a final response: a 408 (RFC 3261 8.1.3.1). */
  onTimeout?(error: TransactionTimeoutError): void;
  /** The request could not be sent (RFC 3261 8.1.3.1: treat as a 503). */
  onTransportError?(error: Error): void;
}

export interface ServerTransactionUser {
  /** INVITE: Timer H fired, the ACK for our final response never came (RFC 3261 17.2.1). */
  onTimeout?(): void;
  /** A response could not be sent (RFC 3261 17.2.4). */
  onTransportError?(error: Error): void;
}
