import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mediaServerIdFor, releaseMediaServerId, rememberedMediaServerIds, REMEMBERED_IDS } from './media-server-id.js';

void describe('media server ids', () => {
  void it('keeps an id across deregister/register, and forgets the oldest past the bound', () => {
    const before = rememberedMediaServerIds();
    const first = mediaServerIdFor('ws://id-test-0:8888/kurento');
    assert.match(first, /^KMS-[A-Z0-9]{6}$/);
    releaseMediaServerId('ws://id-test-0:8888/kurento');
    assert.equal(mediaServerIdFor('ws://id-test-0:8888/kurento'), first, 'same uri, same id');
    releaseMediaServerId('ws://id-test-0:8888/kurento');
    // Every uri an operator ever posts: the map stays bounded.
    for (let i = 1; i <= 3 * REMEMBERED_IDS; i++) {
      mediaServerIdFor(`ws://id-test-${i}:8888/kurento`);
      releaseMediaServerId(`ws://id-test-${i}:8888/kurento`);
    }
    assert.ok(rememberedMediaServerIds() <= before + REMEMBERED_IDS, `${rememberedMediaServerIds()} ids remembered`);
    assert.notEqual(mediaServerIdFor('ws://id-test-0:8888/kurento'), undefined);
    releaseMediaServerId('ws://id-test-0:8888/kurento');
  });

  void it('gives two live uris two ids and one uri held twice one id until both release it', () => {
    const a = mediaServerIdFor('ws://id-a:1/kurento');
    const b = mediaServerIdFor('ws://id-b:1/kurento');
    assert.notEqual(a, b);
    assert.equal(mediaServerIdFor('ws://id-a:1/kurento'), a);
    releaseMediaServerId('ws://id-a:1/kurento');
    assert.equal(mediaServerIdFor('ws://id-a:1/kurento'), a);
    for (let i = 0; i < 2; i++) releaseMediaServerId('ws://id-a:1/kurento');
    releaseMediaServerId('ws://id-b:1/kurento');
  });
});
