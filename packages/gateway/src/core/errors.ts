/** The project's few named errors. Protocol answers use SipError (in sip/). */

export class InvalidStateError extends Error {
  override name = 'InvalidStateError';
}

export class UnsupportedError extends Error {
  override name = 'UnsupportedError';
}

/** A value from outside (config, API, settings) that failed validation; names the field. */
export class ValidationError extends Error {
  override name = 'ValidationError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
