// In the browser, with the REST server's basic authentication on (Kafka Connect's
// BasicAuthSecurityRestExtension; Ferry reads the user=password file of
// rest.basic.auth.credentials.file): without credentials the UI is refused, with wrong ones too,
// and with the right ones every page and action works.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { Env } from './harness.mjs'

const env = new Env('auth')
const user = 'operator'
const password = 'p4ss-w0rd'
let page

before(async () => {
  await env.startBroker()
  const credentials = path.join(env.dir, 'rest-credentials.properties')
  fs.writeFileSync(credentials, `${user}=${password}\n`)
  env.auth = { user, password }
  await env.startWorker({
    'rest.extension.classes': 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension',
    'rest.basic.auth.credentials.file': credentials
  })
  const input = path.join(env.dir, 'in.txt')
  fs.writeFileSync(input, 'a\nb\n')
  const r = await env.http('POST', '/connectors', { name: 'guarded', config: { 'connector.class': 'FileStreamSource', file: input, topic: 'guarded-topic' } })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  await env.waitState('guarded', 'RUNNING', { tasks: 'RUNNING' })
})

after(async () => {
  await env.cleanup()
})

test('without credentials, or with wrong ones, the UI and its resources are refused', async () => {
  for (const p of ['/ui/', '/ui/assets/js/main.js', '/ferry/v1/info', '/ferry/v1/connectors', '/connectors']) {
    const r = await fetch(env.url + p)
    assert.equal(r.status, 401, p)
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="Ferry"', p)
  }
  for (const creds of [{ username: user, password: 'wrong' }, { username: 'nobody', password }]) {
    const anon = await env.page({ httpCredentials: creds })
    const res = await anon.goto(env.url + '/ui/')
    assert.equal(res.status(), 401)
    // Nothing of the app was served: no script, no stylesheet, no API call.
    assert.deepEqual(anon.requests.filter((u) => u.includes('/assets/') || u.includes('/ferry/v1/')), [])
    await anon.context().close()
  }
})

test('with the credentials every page works, and actions too', async () => {
  page = await env.page({ httpCredentials: { username: user, password } })
  const refused = []
  page.on('response', (r) => { if (r.status() === 401) refused.push(r.url()) })
  await page.goto(env.url + '/ui/')
  await page.getByTestId('connector-total').filter({ hasText: '1' }).waitFor()
  assert.equal(await page.getByTestId('count-RUNNING').textContent(), 'RUNNING 1')
  await env.screenshot(page, 'overview-authenticated')

  await page.goto(env.url + '/ui/connectors/guarded')
  await page.getByTestId('connector-state').getByText('RUNNING').waitFor()
  await page.getByTestId('action-pause').click()
  await env.waitState('guarded', 'PAUSED', { tasks: 'PAUSED' })
  await page.getByTestId('connector-state').getByText('PAUSED').waitFor()
  await page.getByTestId('action-resume').click()
  await env.waitState('guarded', 'RUNNING', { tasks: 'RUNNING' })
  await page.getByTestId('connector-state').getByText('RUNNING').waitFor()

  await page.goto(env.url + '/ui/topics/guarded-topic')
  await page.getByTestId('peek-results').locator('article.msg').first().waitFor()
  await page.goto(env.url + '/ui/throughput')
  await page.getByTestId('throughput').waitFor()
  assert.deepEqual(refused, [], 'the UI made calls without the credentials')
})

test('no page loaded anything from outside the worker, and none logged an error', () => {
  env.assertClean(page)
})
