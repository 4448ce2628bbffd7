/**
 * One dialog as seen by its UAS (RFC 3261 §12.1.1, §12.2): the peer-to-peer relationship
 * an INVITE created. Holds the dialog state (id, sequence numbers, remote target, route
 * set), builds in-dialog requests (§12.2.1.1) and checks incoming ones (§12.2.2).
 * Sending is not its job: the user agent hands the requests to a transaction.
 */
import { InvalidStateError } from '../../core/errors.ts';
import { TypedEmitter } from '../../core/typed-emitter.ts';
import { Headers, NameAddr, SipRequest, isSipUri, type HeaderValue, type SipResponse, type Uri } from '../message/index.ts';
import { SipError } from '../sip-error.ts';
import { DIALOG_TRANSITIONS, type DialogState } from './dialog-state.ts';

export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** Map key of a dialog id. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}\n${id.localTag}\n${id.remoteTag}`;
}

export interface DialogEvents extends Record<string, unknown[]> {
  statechange: [state: DialogState, previous: DialogState];
}

/** Requests that change the remote target when they carry a Contact (RFC 3261 §12.2.2, RFC 3311). */
const TARGET_REFRESH_METHODS = new Set(['INVITE', 'UPDATE']);

export class Dialog extends TypedEmitter<DialogEvents> {
  readonly id: DialogId;
  readonly localUri: Uri;
  readonly remoteUri: Uri;
  /** Record-Route of the INVITE, in order (a UAS keeps it as received, §12.1.1). */
  readonly routeSet: readonly NameAddr[];
  /** What we put in Contact: the URI the peer sends in-dialog requests to. */
  readonly localContact: NameAddr;
  remoteTarget: Uri;
  #remoteSeq: number;
  /** Unset until our first request (§12.1.1: "the local sequence number MUST be empty"). */
  #localSeq: number | undefined;
  #state: DialogState;

  private constructor(init: {
    id: DialogId;
    localUri: Uri;
    remoteUri: Uri;
    routeSet: readonly NameAddr[];
    remoteTarget: Uri;
    remoteSeq: number;
    localContact: NameAddr;
    state: DialogState;
    localSeq?: number;
  }) {
    super();
    this.id = init.id;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.routeSet = init.routeSet;
    this.remoteTarget = init.remoteTarget;
    this.#remoteSeq = init.remoteSeq;
    this.localContact = init.localContact;
    this.#state = init.state;
    this.#localSeq = init.localSeq;
  }

  /**
   * Throws `SipError(400)` unless `invite` can create a dialog: a From tag (§8.1.1.3) and
   * "exactly one SIP or SIPS URI" in Contact (§8.1.1.8). Checked before the TU sees the call.
   * An RFC 2543 INVITE (no RFC 3261 branch, RFC 4475 3.4.1) may lack both: "A UAS MUST be
   * prepared to receive a request without a tag in the From field" (§12.1.1), and without
   * Contact the caller is reached at its From URI, as RFC 2543 had it.
   */
  static checkInvite(invite: SipRequest): void {
    const rfc2543 = !invite.via.hasRfc3261Branch;
    if (!invite.from.tag && !rfc2543) throw new SipError(400, 'Missing From tag');
    const [contact, ...more] = invite.contacts;
    const target = contact?.uri ?? (rfc2543 ? invite.from.uri : undefined);
    if (!target || more.length > 0 || !isSipUri(target)) throw new SipError(400, 'INVITE needs exactly one SIP Contact');
  }

  /** The dialog an INVITE (passed by `checkInvite`) creates at the UAS when it answers with `localTag` (§12.1.1). */
  static fromInvite(invite: SipRequest, localTag: string, localContact: NameAddr, state: 'early' | 'confirmed'): Dialog {
    Dialog.checkInvite(invite);
    return new Dialog({
      id: { callId: invite.callId, localTag, remoteTag: invite.from.tag ?? '' },
      localUri: invite.to.uri,
      remoteUri: invite.from.uri,
      routeSet: invite.recordRoutes,
      remoteTarget: invite.contacts[0]?.uri ?? invite.from.uri,
      remoteSeq: invite.cseq.seq,
      localContact,
      state,
    });
  }

  /**
   * The dialog our INVITE creates at the UAC with a response carrying a To-tag (§12.1.2):
   * route set = Record-Route reversed, remote target = the response's Contact, local
   * sequence = the INVITE's CSeq, remote sequence empty (0).
   */
  static fromResponse(invite: SipRequest, response: SipResponse, localContact: NameAddr, state: 'early' | 'confirmed'): Dialog {
    const contact = response.contacts[0]?.uri;
    if (!response.to.tag) throw new SipError(400, 'Missing To tag');
    if (state === 'confirmed' && (!contact || !isSipUri(contact))) throw new SipError(400, '2xx needs a SIP Contact');
    return new Dialog({
      id: { callId: invite.callId, localTag: invite.from.tag ?? '', remoteTag: response.to.tag },
      localUri: invite.from.uri,
      remoteUri: invite.to.uri,
      routeSet: [...response.recordRoutes].reverse(),
      remoteTarget: contact ?? invite.uri,
      remoteSeq: 0,
      localContact,
      state,
      localSeq: invite.cseq.seq,
    });
  }

  get state(): DialogState {
    return this.#state;
  }

  get remoteSeq(): number {
    return this.#remoteSeq;
  }

  get key(): string {
    return dialogKey(this.id);
  }

  transition(next: DialogState): void {
    const previous = this.#state;
    if (!DIALOG_TRANSITIONS[previous].includes(next)) {
      throw new InvalidStateError(`dialog ${this.id.callId}: ${previous} -> ${next} is not allowed`);
    }
    this.#state = next;
    this.safeEmit('statechange', next, previous);
  }

  /**
   * Accepts an in-dialog request (§12.2.2): a CSeq lower than the last one is out of order
   * (500); a target refresh with a Contact updates the remote target. ACK and CANCEL
   * carry the INVITE's CSeq and are not passed here.
   */
  receiveRequest(request: SipRequest): void {
    if (this.#state === 'terminated') throw new SipError(481, 'Call/Transaction Does Not Exist');
    const { seq } = request.cseq;
    if (seq <= this.#remoteSeq) throw new SipError(500, 'CSeq out of order');
    this.#remoteSeq = seq;
    const contact = request.contacts[0];
    if (TARGET_REFRESH_METHODS.has(request.method) && contact) this.remoteTarget = contact.uri;
  }

  /** The ACK of our INVITE's 2xx (§13.2.2.4): routed like an in-dialog request, with the INVITE's CSeq number. */
  createAck(inviteSeq: number, sdp?: string): SipRequest {
    const headers = this.#baseHeaders();
    headers.set('CSeq', `${inviteSeq} ACK`);
    if (sdp !== undefined) headers.set('Content-Type', 'application/sdp');
    return new SipRequest('ACK', this.#requestUri(), { headers, body: sdp });
  }

  /**
   * Builds an in-dialog request (§12.2.1.1) with the next local CSeq. Via is the
   * transaction's job. Loose routing: Request-URI = remote target, Route = route set;
   * strict routing (first route lacks `lr`): Request-URI = first route, remote target last.
   */
  createRequest(method: string, options: { headers?: Iterable<readonly [string, HeaderValue]>; body?: string; contentType?: string } = {}): SipRequest {
    if (this.#state === 'terminated') throw new InvalidStateError(`dialog ${this.id.callId} is terminated`);
    if (method === 'ACK' || method === 'CANCEL') throw new InvalidStateError(`${method} is built by the INVITE transaction`);
    this.#localSeq = this.#localSeq === undefined ? initialSeq() : this.#localSeq + 1;
    const headers = this.#baseHeaders();
    headers.set('CSeq', `${this.#localSeq} ${method}`);
    if (TARGET_REFRESH_METHODS.has(method)) headers.set('Contact', this.localContact);
    for (const [name, value] of options.headers ?? []) headers.append(name, value);
    if (options.body !== undefined) headers.set('Content-Type', options.contentType ?? 'application/sdp');
    return new SipRequest(method, this.#requestUri(), { headers, body: options.body });
  }

  /** Loose routing: the remote target; strict routing (first route lacks `lr`): the first route. */
  #requestUri(): Uri {
    const first = this.routeSet[0];
    return first && isSipUri(first.uri) && !first.uri.params.has('lr') ? first.uri.withParam('method', undefined) : this.remoteTarget;
  }

  /** Route, Max-Forwards, From, To and Call-ID of a request in this dialog. */
  #baseHeaders(): Headers {
    const headers = new Headers();
    const first = this.routeSet[0];
    if (first && isSipUri(first.uri) && !first.uri.params.has('lr')) {
      headers.set('Route', [...this.routeSet.slice(1), new NameAddr(this.remoteTarget)]);
    } else if (this.routeSet.length > 0) {
      headers.set('Route', this.routeSet);
    }
    headers.set('Max-Forwards', 70);
    headers.set('From', new NameAddr(this.localUri).withTag(this.id.localTag));
    // A null remote tag (RFC 2543 caller, §12.1.1) means no tag parameter at all.
    const to = new NameAddr(this.remoteUri);
    headers.set('To', this.id.remoteTag === '' ? to : to.withTag(this.id.remoteTag));
    headers.set('Call-ID', this.id.callId);
    return headers;
  }
}

/** A random start below 2**31 (§8.1.1.5), leaving room to count up. */
function initialSeq(): number {
  return 1 + Math.floor(Math.random() * 0x7fff_0000);
}
