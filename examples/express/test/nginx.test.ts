/**
 * The example's nginx configuration (nginx/api.conf), run by a real nginx in front of the example API:
 * DPoP proofs name the https URL the client used, certificate-bound tokens work with the certificate
 * nginx forwards, and what a client sends under the forwarded headers' names never reaches the API.
 * nginx is required: a missing binary fails this file (`.ci/run` installs Debian's nginx-light).
 */
import {
  createDPoPKey,
  createDPoPProof,
  createLocalIssuer,
  createTestCertificate,
  send,
  serve,
  type LocalIssuer,
  type Served,
  type TestCertificate,
} from '@fapi-guard/testing'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { once } from 'node:events'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CERTIFICATE_HEADER, createAppBehindProxy } from '../src/server-behind-proxy.js'

const CONFIG = fileURLToPath(new URL('../nginx/api.conf', import.meta.url))
const README = fileURLToPath(new URL('../README.md', import.meta.url))

/** The nginx binary: on PATH, or where Debian puts it (`/usr/sbin` is not on every user's PATH). */
function findNginx(): string | undefined {
  return ['nginx', '/usr/sbin/nginx'].find((candidate) => spawnSync(candidate, ['-v'], { stdio: 'ignore' }).status === 0)
}

/** The example configuration with loopback ports and this run's files in place of the production ones. */
function renderConfig(config: string, { port, apiPort, dir }: { port: number; apiPort: number; dir: string }): string {
  const replacements: ReadonlyArray<readonly [string, string]> = [
    ['listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`],
    ['/etc/nginx/tls/api.example.com.crt', join(dir, 'server.crt')],
    ['/etc/nginx/tls/api.example.com.key', join(dir, 'server.key')],
    ['proxy_pass http://127.0.0.1:3000;', `proxy_pass http://127.0.0.1:${apiPort};`],
  ]
  let rendered = config
  for (const [from, to] of replacements) {
    if (rendered.split(from).length !== 2) throw new Error(`nginx/api.conf should hold "${from}" exactly once`)
    rendered = rendered.replace(from, to)
  }
  return rendered
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  server.close()
  await once(server, 'close')
  return port
}

async function accepts(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1')
  try {
    await once(socket, 'connect')
    return true
  } catch {
    return false
  } finally {
    socket.destroy()
  }
}

interface RunningNginx {
  readonly origin: string
  stop(): Promise<void>
}

/** Starts nginx in the foreground on a free loopback port (a few tries, should another process take it first). */
async function startNginx(binary: string, server: TestCertificate, apiPort: number): Promise<RunningNginx> {
  const dir = mkdtempSync(join(tmpdir(), 'fapi-guard-nginx-'))
  chmodSync(dir, 0o755) // run as root, nginx's workers switch to an unprivileged user
  mkdirSync(join(dir, 'logs'))
  writeFileSync(join(dir, 'server.crt'), server.cert)
  writeFileSync(join(dir, 'server.key'), server.key, { mode: 0o600 })
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((name) => `    ${name}_temp_path ${join(dir, name)};`).join('\n')
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    writeFileSync(join(dir, 'api.conf'), renderConfig(readFileSync(CONFIG, 'utf8'), { port, apiPort, dir }))
    writeFileSync(
      join(dir, 'nginx.conf'),
      `worker_processes 1;\nevents { worker_connections 64; }\nhttp {\n    access_log off;\n${temp}\n    include ${join(dir, 'api.conf')};\n}\n`,
    )
    const log = join(dir, 'error.log')
    const child: ChildProcess = spawn(
      binary,
      ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')}; error_log ${log} warn;`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = once(child, 'exit')
    const stopOnExit = () => child.kill('SIGTERM')
    process.once('exit', stopOnExit)
    const deadline = Date.now() + 5000
    while (child.exitCode === null && child.signalCode === null && !(await accepts(port)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    if (child.exitCode === null && child.signalCode === null && (await accepts(port))) {
      return {
        origin: `https://127.0.0.1:${port}`,
        async stop() {
          process.removeListener('exit', stopOnExit)
          child.kill('SIGTERM')
          await exited
          rmSync(dir, { recursive: true, force: true })
        },
      }
    }
    child.kill('SIGKILL')
    await exited
    process.removeListener('exit', stopOnExit)
    let errors = stderr
    try {
      errors += readFileSync(log, 'utf8')
    } catch {
      // no log written
    }
    if (attempt < 3 && errors.includes('Address already in use')) continue
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`nginx did not start: ${errors.trim() || `exit ${child.exitCode ?? child.signalCode}`}`)
  }
}

const nginx = findNginx()

describe('the API behind the example nginx configuration (a real nginx)', () => {
  if (nginx === undefined) {
    it('needs nginx', () => {
      throw new Error('nginx is not installed: install it (Debian: apt-get install nginx-light; .ci/run does) to run the nginx tests')
    })
    return
  }

  let issuer: LocalIssuer
  let api: Served
  let proxy: RunningNginx
  /** What nginx sent to the API, per header: every field line. */
  let lastHeaders: Record<string, string[] | undefined> = {}
  const serverCertificate = createTestCertificate('api.example.com')
  const client = createTestCertificate('client')
  const other = createTestCertificate('another-client')

  beforeAll(async () => {
    issuer = await createLocalIssuer()
    const app = createAppBehindProxy({ issuer: issuer.issuer, audience: issuer.audience })
    // A probe beside the example's routes: the headers as the API received them.
    app.get('/headers', (req, res) => {
      lastHeaders = req.headersDistinct
      res.json({})
    })
    api = await serve(app)
    proxy = await startNginx(nginx, serverCertificate, api.port)
  })
  afterAll(async () => {
    await proxy?.stop()
    await api?.close()
    await issuer?.close()
  })

  /** A request through nginx, the server certificate checked against the test CA. */
  const through = (path: string, options: { headers?: Record<string, string>; certificate?: TestCertificate } = {}) =>
    send(`${proxy.origin}${path}`, {
      ca: serverCertificate.cert,
      headers: options.headers ?? {},
      ...(options.certificate !== undefined && { cert: options.certificate.cert, key: options.certificate.key }),
    })

  it('is the configuration the example README shows', () => {
    expect(readFileSync(README, 'utf8')).toContain(readFileSync(CONFIG, 'utf8').trim())
  })

  it('accepts a DPoP proof for the https URL the client used', async () => {
    const key = await createDPoPKey()
    const token = await issuer.mint({ scope: 'accounts:read', cnf: { jkt: key.thumbprint } })
    const url = `${proxy.origin}/accounts`
    const proof = await createDPoPProof(key, { method: 'GET', url, accessToken: token })
    const reply = await through('/accounts', { headers: { authorization: `DPoP ${token}`, dpop: proof } })
    expect(reply.status, reply.body).toBe(200)
  })

  it('accepts a certificate-bound token with the certificate the client presented to nginx, and no other', async () => {
    const token = await issuer.mint({ scope: 'accounts:read', cnf: { 'x5t#S256': client.thumbprint } })
    const authorization = `Bearer ${token}`
    expect((await through('/accounts', { headers: { authorization }, certificate: client })).status).toBe(200)

    const another = await through('/accounts', { headers: { authorization }, certificate: other })
    expect([another.status, another.headers['www-authenticate']]).toEqual([401, expect.stringContaining('error="invalid_token"')])
    const none = await through('/accounts', { headers: { authorization } })
    expect([none.status, none.headers['www-authenticate']]).toEqual([401, expect.stringContaining('error="invalid_token"')])
  })

  it('overwrites or removes what the client sends as forwarded headers or certificate', async () => {
    const port = new URL(proxy.origin).port
    const spoofed = {
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-port': '8080',
      'x-forwarded-prefix': '/evil',
      'x-forwarded-for': '203.0.113.7',
      forwarded: 'for=203.0.113.7;host=evil.example;proto=http',
      [CERTIFICATE_HEADER]: encodeURIComponent(client.cert),
    }
    expect((await through('/headers', { headers: spoofed })).status).toBe(200)
    expect(lastHeaders).toMatchObject({
      host: ['127.0.0.1'],
      'x-forwarded-proto': ['https'],
      'x-forwarded-host': ['127.0.0.1'],
      'x-forwarded-port': [port],
      'x-forwarded-for': ['203.0.113.7, 127.0.0.1'],
    })
    expect(lastHeaders['x-forwarded-prefix']).toBeUndefined()
    expect(lastHeaders.forwarded).toBeUndefined()
    expect(lastHeaders[CERTIFICATE_HEADER]).toBeUndefined()

    // With a certificate of its own, the client's copy of the header is replaced by nginx's.
    await through('/headers', { headers: spoofed, certificate: other })
    const forwarded = lastHeaders[CERTIFICATE_HEADER] ?? []
    expect(forwarded).toHaveLength(1)
    expect(new X509Certificate(decodeURIComponent(forwarded[0] as string)).fingerprint256).toBe(new X509Certificate(other.cert).fingerprint256)
  })

  it('refuses a stolen certificate-bound token whose certificate the client names in a header', async () => {
    const token = await issuer.mint({ scope: 'accounts:read', cnf: { 'x5t#S256': client.thumbprint } })
    const headers = { authorization: `Bearer ${token}`, [CERTIFICATE_HEADER]: encodeURIComponent(client.cert) }
    expect((await through('/accounts', { headers })).status).toBe(401)
    expect((await through('/accounts', { headers, certificate: other })).status).toBe(401)
  })

  it('refuses a DPoP proof for the host a client names in X-Forwarded-Host', async () => {
    const key = await createDPoPKey()
    const token = await issuer.mint({ scope: 'accounts:read', cnf: { jkt: key.thumbprint } })
    const proof = await createDPoPProof(key, { method: 'GET', url: 'https://evil.example/accounts', accessToken: token })
    const reply = await through('/accounts', {
      headers: { authorization: `DPoP ${token}`, dpop: proof, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
    })
    expect([reply.status, reply.headers['www-authenticate']]).toEqual([401, expect.stringContaining('error="invalid_dpop_proof"')])
  })
})
