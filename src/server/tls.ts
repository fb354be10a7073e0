import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { OpenViduConfig } from '../config/config.schema.js';

export interface TlsOptions {
  key?: Buffer | string;
  cert?: Buffer | string;
  pfx?: Buffer;
  passphrase?: string;
}

const DEFAULT_KEY_STORE = 'classpath:openvidu-selfsigned.jks';

/**
 * PEM files named by the operator, a PKCS#12 key store, or a self-signed certificate generated on
 * first start and kept in `<server.data-dir>/tls` so browsers accept it once.
 */
export async function resolveTls(c: Readonly<OpenViduConfig>): Promise<TlsOptions | undefined> {
  if (!c['server.ssl.enabled']) return undefined;
  if (c['server.ssl.certificate']) {
    return {
      cert: readFileSync(c['server.ssl.certificate']),
      key: readFileSync(c['server.ssl.certificate-private-key']),
    };
  }
  const store = c['server.ssl.key-store'];
  if (store && store !== DEFAULT_KEY_STORE) {
    if (c['server.ssl.key-store-type'] !== 'PKCS12') {
      throw new Error('server.ssl.key-store: only PKCS12 key stores can be read; convert the JKS file with keytool');
    }
    return { pfx: readFileSync(store.replace(/^file:/, '')), passphrase: c['server.ssl.key-store-password'] };
  }
  const dir = join(c['server.data-dir'], 'tls');
  const certFile = join(dir, 'selfsigned-cert.pem');
  const keyFile = join(dir, 'selfsigned-key.pem');
  if (existsSync(certFile) && existsSync(keyFile)) return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  const notAfter = new Date();
  notAfter.setFullYear(notAfter.getFullYear() + 10);
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(keyFile, pems.private, { mode: 0o600 });
  writeFileSync(certFile, pems.cert);
  return { cert: pems.cert, key: pems.private };
}
