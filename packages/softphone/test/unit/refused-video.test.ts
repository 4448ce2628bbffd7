import { describe, expect, it } from 'vitest';
import { refusedVideoReason } from '../../src/controllers/sip-controller.ts';

const answer = (video: string) =>
  ['v=0', 'o=- 1 0 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=audio 40000 UDP/TLS/RTP/SAVPF 111', 'a=mid:0', video].join('\r\n') + '\r\n';

describe("the camera's answer to the softphone's video", () => {
  it('reads the reason of a refused m=video (port 0) from its i= line', () => {
    expect(refusedVideoReason(answer('m=video 0 UDP/TLS/RTP/SAVPF 108\r\ni=ffmpeg exited (SIGKILL)\r\na=mid:1'))).toBe('ffmpeg exited (SIGKILL)');
  });

  it('says the camera sends no video when a refused m=video has no reason', () => {
    expect(refusedVideoReason(answer('m=video 0 UDP/TLS/RTP/SAVPF 108\r\na=mid:1'))).toBe('the camera sends no video');
  });

  it('is undefined for an accepted m=video, and for an answer without one', () => {
    expect(refusedVideoReason(answer('m=video 40000 UDP/TLS/RTP/SAVPF 108\r\na=mid:1\r\na=sendonly'))).toBeUndefined();
    expect(refusedVideoReason(answer('a=sendrecv'))).toBeUndefined();
  });
});
