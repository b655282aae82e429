// Starts Ferry's broker (ferry-broker-test-server) on a free port with its own temporary log dir,
// stops it by PID, restarts it on the same dir and port. The binary comes from
// FERRY_BROKER_TEST_SERVER (set by CTest) or the build directories next to the sources.
'use strict'
const { spawn } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

function serverBinary () {
  if (process.env.FERRY_BROKER_TEST_SERVER) return process.env.FERRY_BROKER_TEST_SERVER
  const root = path.resolve(__dirname, '..', '..', '..')
  for (const b of ['build-broker', 'build']) {
    const p = path.join(root, b, 'tests', 'broker', 'ferry-broker-test-server')
    if (fs.existsSync(p)) return p
  }
  throw new Error('ferry-broker-test-server not found; set FERRY_BROKER_TEST_SERVER')
}

class Broker {
  constructor (overrides = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-broker-js-'))
    this.overrides = {
      listeners: 'PLAINTEXT://127.0.0.1:0',
      'log.dirs': path.join(this.dir, 'data'),
      'group.initial.rebalance.delay.ms': '0',
      ...overrides
    }
    this.port = null
    this.proc = null
  }

  get bootstrap () { return `127.0.0.1:${this.port}` }

  start () {
    const ov = { ...this.overrides }
    if (this.port) ov.listeners = `PLAINTEXT://127.0.0.1:${this.port}`
    const args = []
    for (const [k, v] of Object.entries(ov)) args.push('--override', `${k}=${v}`)
    const log = fs.openSync(path.join(this.dir, 'broker.log'), 'a')
    this.proc = spawn(serverBinary(), args, { stdio: ['ignore', 'pipe', log] })
    return new Promise((resolve, reject) => {
      let buf = ''
      const timer = setTimeout(() => reject(new Error('broker did not start')), 20000)
      this.proc.stdout.on('data', (d) => {
        buf += d.toString()
        const m = buf.match(/bootstrap\.servers=\S+ port=(\d+)/)
        if (m && !this.port) this.port = Number(m[1])
        if (m) { clearTimeout(timer); resolve(this) }
      })
      this.proc.on('exit', (code) => { clearTimeout(timer); reject(new Error('broker exited with ' + code)) })
    })
  }

  async stop () {
    if (!this.proc || this.proc.exitCode !== null) return
    const p = this.proc
    const exited = new Promise((resolve) => p.once('exit', resolve))
    p.kill('SIGTERM')
    await exited
    this.proc = null
  }

  async restart () { await this.stop(); return this.start() }

  async cleanup () {
    await this.stop()
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

async function waitFor (cond, timeoutMs = 30000, what = 'condition') {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const v = await cond()
    if (v) return v
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error('timed out waiting for ' + what)
}

module.exports = { Broker, waitFor }
