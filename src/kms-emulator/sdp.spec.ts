import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyAnswer, buildAnswer, buildOffer, hostCandidates } from './sdp-negotiation.js';
import { newIdentity, parseSdp, SdpParseError } from './sdp.js';

const CHROME_OFFER = [
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1 2',
  'a=msid-semantic: WMS stream',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 103 0 126',
  'c=IN IP4 0.0.0.0',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:abcdefghijklmnopqrstuv',
  'a=fingerprint:sha-256 AA:BB',
  'a=setup:actpass',
  'a=mid:0',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
  'a=extmap:3 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-fb:111 transport-cc',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:103 ISAC/16000',
  'a=rtpmap:126 telephone-event/8000',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 97 98',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=sendonly',
  'a=rtcp-mux',
  'a=rtcp-rsize',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp-fb:96 goog-remb',
  'a=rtcp-fb:96 nack',
  'a=rtcp-fb:96 nack pli',
  'a=rtcp-fb:96 transport-cc',
  'a=rtpmap:97 rtx/90000',
  'a=fmtp:97 apt=96',
  'a=rtpmap:98 H264/90000',
  'a=fmtp:98 packetization-mode=1;profile-level-id=42e01f',
  'a=candidate:1 1 udp 2122260223 192.168.1.2 50000 typ host',
  'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
  'a=mid:2',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
  '',
].join('\r\n');

const modes = { recvonly: false, sendonly: false, useDataChannels: false };

function mLines(sdp: string): string[] {
  return sdp.split('\r\n').filter((l) => l.startsWith('m='));
}

function section(sdp: string, index: number): string[] {
  const parts = sdp.split('\r\nm=');
  return ('m=' + parts[index + 1]).split('\r\n');
}

void describe('parseSdp', () => {
  void it('reads m-lines, mids, directions, codecs and candidates', () => {
    const sdp = parseSdp(CHROME_OFFER);
    assert.equal(sdp.bundle, true);
    assert.deepEqual(
      sdp.media.map((m) => [m.kind, m.mid, m.direction]),
      [
        ['audio', '0', 'sendrecv'],
        ['video', '1', 'sendonly'],
        ['application', '2', 'sendrecv'],
      ],
    );
    assert.equal(sdp.media[0].rtpmap.get('111'), 'opus/48000/2');
    assert.equal(sdp.media[1].fmtp.get('97'), 'apt=96');
    assert.equal(sdp.hasCandidates, true);
    assert.equal(sdp.media[0].hasCandidates, false);
  });

  void it('rejects text that is not SDP', () => {
    assert.throws(() => parseSdp('hello'), SdpParseError);
    assert.throws(() => parseSdp(''), SdpParseError);
    assert.throws(() => parseSdp('v=0\r\nm=audio\r\n'), SdpParseError);
    assert.throws(() => parseSdp('v=0\r\nthis is not a line\r\n'), SdpParseError);
  });
});

void describe('buildAnswer', () => {
  const id = newIdentity();
  const { sdp, media } = buildAnswer(parseSdp(CHROME_OFFER), id, modes);

  void it('mirrors every m-line of the offer, in order, with the same mids', () => {
    assert.deepEqual(
      mLines(sdp).map((l) => l.split(' ')[0]),
      ['m=audio', 'm=video', 'm=application'],
    );
    assert.deepEqual(
      media.map((m) => m.mid),
      ['0', '1', '2'],
    );
    assert.ok(sdp.startsWith('v=0\r\no=- '));
    assert.ok(sdp.endsWith('\r\n'));
  });

  void it('uses its own ICE credentials and a DTLS sha-256 fingerprint, as the active side', () => {
    const audio = section(sdp, 0);
    assert.ok(audio.includes(`a=ice-ufrag:${id.iceUfrag}`));
    assert.ok(audio.includes(`a=ice-pwd:${id.icePwd}`));
    assert.ok(audio.includes('a=setup:active'));
    assert.match(id.fingerprint, /^sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    assert.ok(audio.includes(`a=fingerprint:${id.fingerprint}`));
    assert.equal(id.iceUfrag.length, 4);
    assert.equal(id.icePwd.length, 22);
    assert.ok(!sdp.includes('ice-ufrag:abcd'));
  });

  void it('keeps only the codecs KMS supports, with their fmtp and the feedback KMS understands', () => {
    assert.equal(mLines(sdp)[0], 'm=audio 1 UDP/TLS/RTP/SAVPF 111 0');
    assert.equal(mLines(sdp)[1], 'm=video 1 UDP/TLS/RTP/SAVPF 96 98');
    const video = section(sdp, 1);
    assert.ok(video.includes('a=fmtp:98 packetization-mode=1;profile-level-id=42e01f'));
    assert.ok(video.includes('a=rtcp-fb:96 nack pli'));
    assert.ok(!video.some((l) => l.includes('transport-cc') || l.includes('rtx')));
    assert.ok(section(sdp, 0).includes('a=rtpmap:0 PCMU/8000'), 'static payload types get an rtpmap');
  });

  void it('answers directions from the endpoint side and only sends where the peer receives', () => {
    assert.ok(section(sdp, 0).includes('a=sendrecv'));
    assert.ok(section(sdp, 1).includes('a=recvonly'));
    assert.ok(section(sdp, 0).some((l) => l.startsWith('a=ssrc:')));
    assert.ok(!section(sdp, 1).some((l) => l.startsWith('a=ssrc:')));
    assert.deepEqual(
      media.map((m) => [m.remoteSends, m.localSends]),
      [
        [true, true],
        [true, false],
        [false, false],
      ],
    );
    const recvonly = buildAnswer(parseSdp(CHROME_OFFER), newIdentity(), { ...modes, recvonly: true });
    assert.ok(section(recvonly.sdp, 0).includes('a=recvonly'));
  });

  void it('rejects data channels unless enabled, and leaves rejected mids out of BUNDLE', () => {
    assert.equal(mLines(sdp)[2], 'm=application 0 UDP/DTLS/SCTP webrtc-datachannel');
    assert.ok(sdp.includes('a=group:BUNDLE 0 1\r\n'));
    const dc = buildAnswer(parseSdp(CHROME_OFFER), newIdentity(), { ...modes, useDataChannels: true });
    assert.equal(mLines(dc.sdp)[2], 'm=application 1 UDP/DTLS/SCTP webrtc-datachannel');
    assert.ok(section(dc.sdp, 2).includes('a=sctp-port:5000'));
    assert.ok(dc.sdp.includes('a=group:BUNDLE 0 1 2\r\n'));
  });

  void it('accepts one audio and one video m-line only, and rejects media with no common codec', () => {
    const offer = [
      'v=0',
      'o=- 1 1 IN IP4 0.0.0.0',
      's=-',
      't=0 0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'a=mid:a1',
      'a=rtpmap:111 opus/48000/2',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'a=mid:a2',
      'a=rtpmap:111 opus/48000/2',
      'm=video 9 UDP/TLS/RTP/SAVPF 100',
      'a=mid:v',
      'a=rtpmap:100 MPV/90000',
      '',
    ].join('\r\n');
    const r = buildAnswer(parseSdp(offer), newIdentity(), modes);
    assert.deepEqual(
      r.media.map((m) => m.accepted),
      [true, false, false],
    );
    assert.deepEqual(mLines(r.sdp).slice(1), ['m=audio 0 UDP/TLS/RTP/SAVPF 111', 'm=video 0 UDP/TLS/RTP/SAVPF 100']);
    assert.ok(!r.sdp.includes('a=group:BUNDLE'), 'no BUNDLE in the answer when the offer had none');
  });
});

void describe('buildOffer and applyAnswer', () => {
  void it('offers BUNDLEd audio and video as the actpass side and parses back', () => {
    const { sdp, media } = buildOffer(newIdentity(), { ...modes, audio: true, video: true });
    const parsed = parseSdp(sdp);
    assert.deepEqual(
      parsed.media.map((m) => [m.kind, m.mid, m.direction]),
      [
        ['audio', '0', 'sendrecv'],
        ['video', '1', 'sendrecv'],
      ],
    );
    assert.ok(sdp.includes('a=setup:actpass'));
    assert.ok(sdp.includes('a=group:BUNDLE 0 1'));
    assert.equal(media.length, 2);
  });

  void it('takes what the peer sends from its answer', () => {
    const { media } = buildOffer(newIdentity(), { ...modes, audio: true, video: true, useDataChannels: true });
    assert.equal(media.length, 3);
    const answer = parseSdp(
      [
        'v=0',
        'o=- 1 1 IN IP4 0.0.0.0',
        's=-',
        't=0 0',
        'm=audio 9 UDP/TLS/RTP/SAVPF 111',
        'a=recvonly',
        'm=video 0 UDP/TLS/RTP/SAVPF 96',
        'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
        '',
      ].join('\r\n'),
    );
    assert.deepEqual(
      applyAnswer(media, answer).map((m) => [m.accepted, m.remoteSends, m.localSends]),
      [
        [true, false, true],
        [false, false, false],
        [true, false, false],
      ],
    );
  });
});

void describe('hostCandidates', () => {
  void it('gives two loopback candidates per accepted m-line, tagged with mid and index', () => {
    const { media } = buildAnswer(parseSdp(CHROME_OFFER), newIdentity(), modes);
    const c = hostCandidates(media, 40123);
    assert.equal(c.length, 4);
    assert.deepEqual(
      c.map((x) => [x.sdpMid, x.sdpMLineIndex]),
      [
        ['0', 0],
        ['0', 0],
        ['1', 1],
        ['1', 1],
      ],
    );
    assert.match(c[0].candidate, /^candidate:1 1 UDP \d+ 127\.0\.0\.1 40123 typ host$/);
  });
});
