import { randomInt } from 'node:crypto';

/**
 * The o= line of the answers one leg gives over a dialog (RFC 3264 §8): the session id
 * stays, the version goes up exactly when the description changes and not otherwise.
 */
export class SdpOrigin {
  readonly sessionId = String(randomInt(1, 2 ** 47));
  #version = 0;
  #lastBody: string | undefined;

  /** `render(version)` writes the SDP; it is called again when the version must change. */
  stamp(render: (sessionId: string, version: number) => string): string {
    const unchanged = render(this.sessionId, this.#version);
    const body = withoutOrigin(unchanged);
    if (this.#lastBody === undefined || this.#lastBody === body) {
      this.#lastBody = body;
      return unchanged;
    }
    this.#version++;
    this.#lastBody = body;
    return render(this.sessionId, this.#version);
  }
}

function withoutOrigin(sdp: string): string {
  return sdp.replace(/^o=.*$/m, '');
}
