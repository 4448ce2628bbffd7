/**
 * A component's requests to the gateway: the API client for its `gateway` attribute, what
 * it is busy with, and the message of the last failure. Every panel that loads or changes
 * something on the gateway shows these the same way; the host re-renders on each change.
 */
import type { ReactiveControllerHost } from 'lit';
import { ApiClient } from '../services/api-client.ts';
import { errorMessage } from '../services/error-message.ts';
import { resolveGatewayUrl } from '../services/gateway-url.ts';

export interface GatewayHost extends ReactiveControllerHost {
  /** Base URL of the gateway; empty = the page's origin. */
  gateway: string;
  /** The camera id of per-camera requests; absent or empty = the default camera. */
  camera?: string;
}

export class GatewayRequests<Busy extends string = 'busy'> {
  /** The request in flight, or null. */
  busy: Busy | null = null;
  /** The last failure, for a role=alert line; '' when there is none to show. */
  error = '';

  constructor(private readonly host: GatewayHost) {}

  get api(): ApiClient {
    return new ApiClient(resolveGatewayUrl(this.host.gateway), this.host.camera || undefined);
  }

  /**
   * Runs one request: busy while it runs, its failure as `error` (or as `describe` words it;
   * '' shows none). Resolves true when it succeeded.
   */
  async run(busy: Busy, request: () => Promise<void>, describe: (error: unknown) => Promise<string> | string = errorMessage): Promise<boolean> {
    this.busy = busy;
    this.showError('');
    try {
      await request();
      return true;
    } catch (error) {
      this.showError(await describe(error));
      return false;
    } finally {
      this.busy = null;
      this.host.requestUpdate();
    }
  }

  /** Shows a failure found without asking the gateway (local validation), or '' to clear it. */
  showError(message: string): void {
    this.error = message;
    this.host.requestUpdate();
  }
}
