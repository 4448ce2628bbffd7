/** The softphone's call, as the person sees it. */
export type CallState = 'idle' | 'connecting' | 'ringing' | 'in-call' | 'ended';

const NEXT: Record<CallState, readonly CallState[]> = {
  idle: ['connecting'],
  // connecting: WebSocket opening, microphone being granted, INVITE sent.
  connecting: ['ringing', 'in-call', 'ended'],
  ringing: ['in-call', 'ended'],
  'in-call': ['ended'],
  ended: ['connecting'],
};

export class IllegalCallTransition extends Error {
  override name = 'IllegalCallTransition';
  constructor(from: CallState, to: CallState) {
    super(`call state cannot go from ${from} to ${to}`);
  }
}

export class CallStateMachine {
  #state: CallState = 'idle';

  constructor(private readonly onChange: (state: CallState) => void) {}

  get state(): CallState {
    return this.#state;
  }

  /** Moves to `next`; throws on a move the table above does not allow. */
  transition(next: CallState): void {
    if (!NEXT[this.#state].includes(next)) throw new IllegalCallTransition(this.#state, next);
    this.#state = next;
    this.onChange(next);
  }
}
