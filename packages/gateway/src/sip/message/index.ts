/** Public API of the SIP message layer. */
export { SipRequest, SipResponse, SipMessage, parseAddressList, type MessageInit } from './message.ts';
export { Headers, type HeaderValue, type HeaderEntry } from './headers.ts';
export { parseMessage, findHeaderEnd, contentLengthOf, MAX_MESSAGE_SIZE, type ParseResult, type ParseOptions } from './parser.ts';
export { createResponse, type ResponseOptions } from './response.ts';
export { SipUri, TelUri, AbsoluteUri, parseUri, parseSipUri, isSipUri, sipHost, socketHost, type Uri, type SipUriInit } from './uri.ts';
export { NameAddr, parseNameAddr } from './name-addr.ts';
export { Via, parseVia, defaultPort, BRANCH_MAGIC_COOKIE } from './via.ts';
export { parseCSeq, type CSeq } from './cseq.ts';
export { newTag, newCallId, newBranch } from './ids.ts';
export { reasonPhrase } from './reason-phrases.ts';
export { quote, unquote, type Params } from './grammar.ts';
export { clip } from './clip.ts';
export { checkRequest, rfc3261_8_2_2_1, rfc3261_8_2_2_3, rfc3261_8_1_3_3 } from './sanity.ts';
