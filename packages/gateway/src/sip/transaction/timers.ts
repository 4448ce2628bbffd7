/**
 * RFC 3261 17 / Table 4 timer values (ms), plus RFC 6026 timers L and M. Timers that only
 * absorb retransmissions (D, I, J, K) are zero on reliable transports, where there is
 * nothing to absorb; A, E and G (retransmissions) only run over UDP.
 */

/** RTT estimate. */
export const T1 = 500;
/** Maximum retransmit interval for non-INVITE requests and INVITE responses. */
export const T2 = 4000;
/** Maximum duration a message will remain in the network. */
export const T4 = 5000;

/** INVITE request retransmit interval, initially (UDP only; doubles). */
export const TIMER_A = T1;
/** INVITE transaction timeout. */
export const TIMER_B = 64 * T1;
/** Wait time for response retransmissions (INVITE client, Completed). */
export const TIMER_D_UNRELIABLE = 32_000;
/** Non-INVITE request retransmit interval, initially (UDP only; doubles up to T2). */
export const TIMER_E = T1;
/** Non-INVITE transaction timeout. */
export const TIMER_F = 64 * T1;
/** INVITE response retransmit interval, initially (UDP only; doubles up to T2). */
export const TIMER_G = T1;
/** Wait time for ACK receipt. */
export const TIMER_H = 64 * T1;
/** Wait time for ACK retransmissions. */
export const TIMER_I_UNRELIABLE = T4;
/** Wait time for non-INVITE request retransmissions. */
export const TIMER_J_UNRELIABLE = 64 * T1;
/** Wait time for non-INVITE response retransmissions. */
export const TIMER_K_UNRELIABLE = T4;
/** RFC 6026: wait time for accepted INVITE request retransmissions (server). */
export const TIMER_L = 64 * T1;
/** RFC 6026: wait time for retransmissions of 2xx responses (client). */
export const TIMER_M = 64 * T1;

export const timerD = (reliable: boolean): number => (reliable ? 0 : TIMER_D_UNRELIABLE);
export const timerI = (reliable: boolean): number => (reliable ? 0 : TIMER_I_UNRELIABLE);
export const timerJ = (reliable: boolean): number => (reliable ? 0 : TIMER_J_UNRELIABLE);
export const timerK = (reliable: boolean): number => (reliable ? 0 : TIMER_K_UNRELIABLE);

export type TimerName = 'A' | 'B' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J' | 'K' | 'L' | 'M';
