/** RFC 4566 §6 / RFC 3264 §5.1 stream directions, from the point of view of who writes the SDP. */
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

const MIRROR: Record<MediaDirection, MediaDirection> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

/** RFC 3264 §6.1: the answer's direction mirrors the offer's (a hold offer gets recvonly/inactive). */
export function answerDirection(offered: MediaDirection): MediaDirection {
  return MIRROR[offered];
}

/** Whether the side that wrote `direction` sends media. */
export function sends(direction: MediaDirection): boolean {
  return direction === 'sendrecv' || direction === 'sendonly';
}

export function isMediaDirection(value: unknown): value is MediaDirection {
  return typeof value === 'string' && value in MIRROR;
}
