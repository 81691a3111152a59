// Certificates for the local control plane, made with the openssl CLI.
// EC P-256 keys: an order of magnitude faster to generate than RSA, and
// accepted by every component (client certs, serving cert, SA token signing).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const DAYS = '3650';

async function openssl(args, input) {
  try {
    const child = run('openssl', args, { maxBuffer: 1 << 20 });
    if (input !== undefined) child.child.stdin.end(input);
    return (await child).stdout;
  } catch (e) {
    const why = e.code === 'ENOENT' ? 'openssl not found on PATH' : (e.stderr || e.message).trim().split('\n').pop();
    throw new Error(`openssl ${args[0]} failed: ${why}`, { cause: e });
  }
}

/** Self-signed CA. @returns {Promise<{cert: string, key: string}>} paths */
export async function makeCA(dir, commonName) {
  const cert = join(dir, 'ca.crt');
  const key = join(dir, 'ca.key');
  await openssl([
    'req',
    '-x509',
    '-new',
    ...EC,
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    `/CN=${commonName}`,
    '-days',
    DAYS,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert, key };
}

/**
 * Key and certificate signed by `ca`, written as `<dir>/<name>.key|.crt`.
 * @param {{cert: string, key: string}} ca
 * @param {{name: string, commonName: string, organizations?: string[], server?: {dns: string[], ips: string[]}}} spec
 * @returns {Promise<{cert: string, key: string}>} paths
 */
export async function makeCert(dir, ca, { name, commonName, organizations = [], server }) {
  const cert = join(dir, `${name}.crt`);
  const key = join(dir, `${name}.key`);
  const ext = join(dir, `${name}.ext`);
  const lines = ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment'];
  if (server) {
    lines.push('extendedKeyUsage=serverAuth');
    lines.push(
      `subjectAltName=${[...server.dns.map((d) => `DNS:${d}`), ...server.ips.map((i) => `IP:${i}`)].join(',')}`,
    );
  } else {
    lines.push('extendedKeyUsage=clientAuth');
  }
  await writeFile(ext, `${lines.join('\n')}\n`);
  // Subject fields are escaped because user and group names may contain '/'.
  const esc = (s) => s.replace(/[\\/+=,]/g, (c) => `\\${c}`);
  const subject = `${organizations.map((o) => `/O=${esc(o)}`).join('')}/CN=${esc(commonName)}`;
  const csr = await openssl(['req', '-new', ...EC, '-keyout', key, '-subj', subject]);
  await openssl(
    [
      'x509',
      '-req',
      '-CA',
      ca.cert,
      '-CAkey',
      ca.key,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      DAYS,
      '-extfile',
      ext,
      '-out',
      cert,
    ],
    csr,
  );
  return { cert, key };
}

/** EC key pair for signing service-account tokens. @returns {Promise<{key: string, pub: string}>} */
export async function makeSigningKey(dir) {
  const key = join(dir, 'sa.key');
  const pub = join(dir, 'sa.pub');
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  await openssl(['ec', '-in', key, '-pubout', '-out', pub]);
  return { key, pub };
}
