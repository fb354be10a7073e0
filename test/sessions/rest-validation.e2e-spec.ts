// Raw HTTP checks of every validation branch of POST /api/sessions (§2.2) and POST /api/tokens (§2.3),
// in OpenVidu's check order, with its exact messages and bodies.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { boot, type Harness } from '../support/boot.js';
import { call } from '../support/http.js';

const ERROR_KEYS = ['timestamp', 'status', 'error', 'message', 'path'];

void describe('REST validation (docs/openvidu-api.md §2.2, §2.3)', () => {
  let srv: Harness;
  let sessionId: string;

  before(async () => {
    srv = await boot();
    sessionId = (await call(srv.url, 'POST', '/api/sessions', { body: {} })).json<{ id: string }>().id;
  });
  after(() => srv.close());

  async function expect400(path: string, body: unknown, message: string) {
    const r = await call(srv.url, 'POST', path, { body });
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.text}`);
    assert.deepEqual(Object.keys(r.json()), ERROR_KEYS);
    const j = r.json();
    assert.equal(j.message, message);
    assert.equal(j.status, 400);
    assert.equal(j.error, 'Bad Request');
    assert.equal(j.path, path);
    assert.equal(typeof j.timestamp, 'number');
  }

  void describe('POST /api/sessions §2.2', () => {
    for (const key of [
      'mediaMode',
      'recordingMode',
      'defaultOutputMode',
      'defaultRecordingLayout',
      'defaultCustomLayout',
      'customSessionId',
    ]) {
      for (const bad of [1, true, {}, ['ROUTED']]) {
        void it(`400 "Type error in some parameter" for ${key}=${JSON.stringify(bad)}`, () =>
          expect400('/api/sessions', { [key]: bad }, 'Type error in some parameter'));
      }
    }

    void it('400 with every raw value echoed for a bad enum value (absent ones as null)', async () => {
      await expect400(
        '/api/sessions',
        { mediaMode: 'BAD' },
        'RecordingMode null | Default OutputMode null | Default RecordingLayout null | MediaMode BAD. Some parameter is not defined',
      );
      await expect400(
        '/api/sessions',
        { recordingMode: 'always', defaultOutputMode: 'COMPOSED', mediaMode: 'ROUTED' },
        'RecordingMode always | Default OutputMode COMPOSED | Default RecordingLayout null | MediaMode ROUTED. Some parameter is not defined',
      );
      await expect400(
        '/api/sessions',
        { defaultOutputMode: 'BOTH' },
        'RecordingMode null | Default OutputMode BOTH | Default RecordingLayout null | MediaMode null. Some parameter is not defined',
      );
      await expect400(
        '/api/sessions',
        { defaultRecordingLayout: 'GRID' },
        'RecordingMode null | Default OutputMode null | Default RecordingLayout GRID | MediaMode null. Some parameter is not defined',
      );
    });

    void it('400 for an empty string in an enum field (Java valueOf(""))', () =>
      expect400(
        '/api/sessions',
        { mediaMode: '' },
        'RecordingMode null | Default OutputMode null | Default RecordingLayout null | MediaMode . Some parameter is not defined',
      ));

    void it('type errors are checked before enum values', () =>
      expect400('/api/sessions', { mediaMode: 'BAD', customSessionId: 5 }, 'Type error in some parameter'));

    void it('400 for a body that is not a JSON object', () =>
      expect400('/api/sessions', [{ mediaMode: 'ROUTED' }], 'Type error in some parameter'));

    void it('accepts every enum value, JSON nulls and unknown keys', async () => {
      for (const body of [
        { mediaMode: 'RELAYED', recordingMode: 'ALWAYS', defaultOutputMode: 'INDIVIDUAL' },
        { defaultRecordingLayout: 'PICTURE_IN_PICTURE' },
        { defaultRecordingLayout: 'VERTICAL_PRESENTATION' },
        { defaultRecordingLayout: 'HORIZONTAL_PRESENTATION' },
        { defaultRecordingLayout: 'CUSTOM', defaultCustomLayout: 'x/y' },
        { mediaMode: null, customSessionId: null, somethingElse: 1 },
      ]) {
        const r = await call(srv.url, 'POST', '/api/sessions', { body });
        assert.equal(r.status, 200, `${JSON.stringify(body)} → ${r.text}`);
      }
    });

    void it('accepts no body at all (body is optional)', async () => {
      const r = await call(srv.url, 'POST', '/api/sessions');
      assert.equal(r.status, 200);
      assert.match(r.json<{ id: string }>().id, /^[a-z0-9]{16}$/);
    });

    void it('409 with an empty body for a taken customSessionId, reusable once closed', async () => {
      const first = await call(srv.url, 'POST', '/api/sessions', { body: { customSessionId: 'taken-id' } });
      assert.equal(first.status, 200);
      const again = await call(srv.url, 'POST', '/api/sessions', { body: { customSessionId: 'taken-id' } });
      assert.equal(again.status, 409);
      assert.equal(again.text, '');
      assert.equal((await call(srv.url, 'DELETE', '/api/sessions/taken-id')).status, 204);
      const reused = await call(srv.url, 'POST', '/api/sessions', { body: { customSessionId: 'taken-id' } });
      assert.equal(reused.status, 200);
      assert.equal(reused.json().id, 'taken-id');
    });

    void it('an empty customSessionId means a random id', async () => {
      const r = await call(srv.url, 'POST', '/api/sessions', { body: { customSessionId: '' } });
      assert.match(r.json<{ id: string }>().id, /^[a-z0-9]{16}$/);
    });
  });

  void describe('POST /api/tokens §2.3', () => {
    void it('400 "Cannot be empty" without a body', async () => {
      const r = await call(srv.url, 'POST', '/api/tokens');
      assert.equal(r.status, 400);
      assert.equal(r.json().message, 'Error in body parameters. Cannot be empty');
    });

    for (const body of [{ session: 1 }, { session: 's', role: 7 }, { session: 's', data: {} }, { session: ['s'] }]) {
      void it(`400 "Type error in some parameter" for ${JSON.stringify(body)}`, () =>
        expect400('/api/tokens', body, 'Type error in some parameter'));
    }

    void it('400 "session" mandatory, checked after types and before kurentoOptions and role', async () => {
      await expect400('/api/tokens', {}, '"session" parameter is mandatory');
      await expect400('/api/tokens', { role: 'NOPE', kurentoOptions: 'x' }, '"session" parameter is mandatory');
      await expect400('/api/tokens', { session: 1, role: 'NOPE' }, 'Type error in some parameter');
    });

    for (const bad of ['x', 5, [1], true]) {
      void it(`400 kurentoOptions=${JSON.stringify(bad)} is not a valid JSON object (before the role check)`, () =>
        expect400(
          '/api/tokens',
          { session: sessionId, role: 'NOPE', kurentoOptions: bad },
          "Error in parameter 'kurentoOptions'. It is not a valid JSON object",
        ));
    }

    void it('400 "Parameter role <x> is not defined"', async () => {
      await expect400('/api/tokens', { session: sessionId, role: 'ADMIN' }, 'Parameter role ADMIN is not defined');
      await expect400('/api/tokens', { session: sessionId, role: '' }, 'Parameter role  is not defined');
      await expect400(
        '/api/tokens',
        { session: sessionId, role: 'ADMIN', kurentoOptions: { videoMaxRecvBandwidth: 'x' } },
        'Parameter role ADMIN is not defined',
      );
    });

    for (const ko of [
      { videoMaxRecvBandwidth: 'abc' },
      { videoMinRecvBandwidth: null },
      { videoMaxSendBandwidth: true },
      { videoMinSendBandwidth: { v: 1 } },
      { videoMaxRecvBandwidth: 1e12 },
      { allowedFilters: 'GStreamerFilter' },
      { allowedFilters: [{ type: 'x' }] },
      { allowedFilters: [null] },
    ]) {
      void it(`400 type error inside kurentoOptions ${JSON.stringify(ko)}`, () =>
        expect400(
          '/api/tokens',
          { session: sessionId, kurentoOptions: ko },
          "Type error in some parameter of 'kurentoOptions'",
        ));
    }

    void it('404 with a JSON error body for an unknown session', async () => {
      const r = await call(srv.url, 'POST', '/api/tokens', { body: { session: 'nope' } });
      assert.equal(r.status, 404);
      assert.deepEqual(Object.keys(r.json()), ERROR_KEYS);
      assert.equal(r.json().message, 'sessionId [nope] not found');
      assert.equal(r.json().path, '/api/tokens');
    });

    void it('numeric strings are accepted as bandwidths (Gson getAsInt), echoed as numbers', async () => {
      const r = await call(srv.url, 'POST', '/api/tokens', {
        body: { session: sessionId, kurentoOptions: { videoMinSendBandwidth: '300', allowedFilters: [] } },
      });
      assert.equal(r.status, 200);
      assert.deepEqual(r.json().kurentoOptions, { videoMinSendBandwidth: 300 });
    });
  });

  void describe('routes without a body contract', () => {
    void it('?webRtcStats must be a boolean', async () => {
      const r = await call(srv.url, 'GET', `/api/sessions/${sessionId}?webRtcStats=maybe`);
      assert.equal(r.status, 400);
      assert.deepEqual(Object.keys(r.json()), ERROR_KEYS);
      for (const v of ['TRUE', 'false', '1', '']) {
        assert.equal((await call(srv.url, 'GET', `/api/sessions?webRtcStats=${v}`)).status, 200, v);
      }
    });

    void it('DELETE /api/sessions without an id is 405, as Spring answers', async () => {
      const r = await call(srv.url, 'DELETE', '/api/sessions');
      assert.equal(r.status, 405);
      assert.equal(r.json().message, "Request method 'DELETE' not supported");
    });

    void it('every route answers 401 without credentials and changes nothing', async () => {
      const routes: [string, string, unknown?][] = [
        ['POST', '/api/sessions', {}],
        ['GET', '/api/sessions'],
        ['GET', `/api/sessions/${sessionId}`],
        ['DELETE', `/api/sessions/${sessionId}`],
        ['DELETE', `/api/sessions/${sessionId}/connection/x`],
        ['DELETE', `/api/sessions/${sessionId}/stream/x`],
        ['POST', '/api/tokens', { session: sessionId }],
      ];
      for (const [method, path, body] of routes) {
        const r = await call(srv.url, method, path, { body, auth: null });
        assert.equal(r.status, 401, `${method} ${path}`);
      }
      assert.equal((await call(srv.url, 'GET', `/api/sessions/${sessionId}`)).status, 200);
    });
  });
});
