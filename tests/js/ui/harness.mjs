// Harness of the UI tests: a real Ferry broker and worker (build/ferry, or FERRY_BINARY) on free
// ports in a temporary directory, Debian's chromium driven by playwright-core, screenshots into
// FERRY_UI_ARTIFACTS (the build directory under CTest). Every process it starts is stopped by PID.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..', '..')

export const FERRY = process.env.FERRY_BINARY || path.join(root, 'build', 'ferry')
export const ARTIFACTS = process.env.FERRY_UI_ARTIFACTS || path.join(root, 'build', 'ui-artifacts')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'

export function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

// An error that ends a waitFor at once (a process it waits for has exited).
export class Fatal extends Error {}

export async function waitFor (cond, { timeout = 30000, interval = 100, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  let last
  while (Date.now() < deadline) {
    try {
      last = await cond()
      if (last) return last
    } catch (e) {
      if (e instanceof Fatal) throw e
      last = e
    }
    await sleep(interval)
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`)
}

// Last resort when a test file dies without its cleanup: no server outlives the test process.
const live = new Set()
process.on('exit', () => {
  for (const p of live) if (p.alive()) try { process.kill(p.pid, 'SIGKILL') } catch { /* gone */ }
})

class Proc {
  constructor (args, logPath) {
    this.log = logPath
    const fd = fs.openSync(logPath, 'a')
    this.child = spawn(args[0], args.slice(1), { stdio: ['ignore', fd, fd] })
    fs.closeSync(fd)
    this.pid = this.child.pid
    this.exited = new Promise((resolve) => this.child.once('exit', (code, sig) => { live.delete(this); resolve({ code, sig }) }))
    live.add(this)
  }

  alive () { return this.child.exitCode === null && this.child.signalCode === null }

  async stop () {
    if (!this.alive()) return
    process.kill(this.pid, 'SIGTERM')
    const done = await Promise.race([this.exited, sleep(20000).then(() => null)])
    if (!done && this.alive()) {
      process.kill(this.pid, 'SIGKILL')
      await this.exited
    }
  }

  output () { return fs.existsSync(this.log) ? fs.readFileSync(this.log, 'utf8') : '' }
}

// A broker, a worker and a browser for one test file.
export class Env {
  constructor (name) {
    this.name = name
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `ferry-ui-${name}-`))
    this.procs = []
    this.browser = null
    fs.mkdirSync(ARTIFACTS, { recursive: true })
  }

  spawn (args, label) {
    const p = new Proc(args, path.join(this.dir, `${label}.log`))
    this.procs.push(p)
    return p
  }

  async startBroker () {
    const port = await freePort()
    this.broker = this.spawn([FERRY, 'embedded-kafka', '--listener', `127.0.0.1:${port}`, '--data-dir', path.join(this.dir, 'kafka')], 'broker')
    this.bootstrap = `127.0.0.1:${port}`
    await waitFor(() => new Promise((resolve, reject) => {
      if (!this.broker.alive()) return reject(new Fatal(`broker exited:\n${this.broker.output()}`))
      const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true) })
      s.on('error', () => resolve(false))
    }), { what: 'the broker port' })
  }

  async startWorker (extra = {}) {
    const port = await freePort()
    const props = {
      'bootstrap.servers': this.bootstrap,
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': path.join(this.dir, 'connect.offsets'),
      'offset.flush.interval.ms': '1000',
      listeners: `http://127.0.0.1:${port}`,
      'rest.advertised.host.name': '127.0.0.1',
      ...extra
    }
    const file = path.join(this.dir, 'worker.properties')
    fs.writeFileSync(file, Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n') + '\n')
    this.worker = this.spawn([FERRY, 'standalone', file], 'worker')
    this.url = `http://127.0.0.1:${port}`
    this.workerId = `127.0.0.1:${port}`
    await waitFor(async () => {
      if (!this.worker.alive()) throw new Fatal(`worker exited:\n${this.worker.output()}`)
      const r = await fetch(this.url + '/', { headers: this.authHeaders() }).catch(() => null)
      return r && r.status === 200
    }, { timeout: 60000, what: 'the worker REST API' })
  }

  // With env.auth = {user, password} (REST basic authentication on), calls carry the credentials.
  authHeaders () {
    if (!this.auth) return {}
    return { Authorization: 'Basic ' + Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64') }
  }

  // REST call to the worker: {status, body}.
  async http (method, p, body) {
    const r = await fetch(this.url + p, {
      method,
      headers: { ...this.authHeaders(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await r.text()
    let parsed = text
    try { parsed = text ? JSON.parse(text) : null } catch { /* not JSON */ }
    return { status: r.status, body: parsed, headers: r.headers }
  }

  async connectorState (name) {
    const r = await this.http('GET', `/connectors/${encodeURIComponent(name)}/status`)
    if (r.status !== 200) return null
    return r.body
  }

  async waitState (name, state, { tasks } = {}) {
    return waitFor(async () => {
      const s = await this.connectorState(name)
      if (!s || s.connector.state !== state) return false
      if (tasks && !(s.tasks.length > 0 && s.tasks.every((t) => t.state === tasks))) return false
      return s
    }, { what: `${name} to be ${state}${tasks ? ' with tasks ' + tasks : ''}` })
  }

  // A page whose every request is recorded: the UI must load nothing from outside the worker.
  async page (contextOptions = {}) {
    if (!this.browser) {
      this.browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
          '--disable-component-update', '--disable-sync']
      })
    }
    const context = await this.browser.newContext({ viewport: { width: 1366, height: 860 }, ...contextOptions })
    const page = await context.newPage()
    page.requests = []
    page.errors = []
    page.on('request', (r) => page.requests.push(r.url()))
    page.on('pageerror', (e) => page.errors.push(String(e)))
    page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()) })
    return page
  }

  // Asserts that every request of the page went to the worker itself.
  foreignRequests (page) {
    return page.requests.filter((u) => !u.startsWith(this.url + '/') && !u.startsWith('data:'))
  }

  // The page made no request outside the worker and logged no error (CSP violations included).
  assertClean (page) {
    assert.ok(page, 'no page was opened')
    assert.deepEqual(this.foreignRequests(page), [], 'the UI loaded something from outside the worker')
    assert.deepEqual(page.errors, [], 'errors in the page')
    assert.ok(page.requests.length > 0)
  }

  async screenshot (page, label) {
    const file = path.join(ARTIFACTS, `${this.name}-${label}.png`)
    await page.screenshot({ path: file, fullPage: true })
    return file
  }

  async cleanup () {
    if (this.browser) await Promise.race([this.browser.close().catch(() => {}), sleep(10000)])
    for (const p of this.procs.reverse()) await p.stop()
    const keep = process.env.FERRY_KEEP_TMP
    if (keep) console.log(`[kept ${this.dir}]`)
    else fs.rmSync(this.dir, { recursive: true, force: true })
  }

  logs () {
    return this.procs.map((p) => `--- ${p.log}\n${p.output().slice(-4000)}`).join('\n')
  }
}
