// In the browser: the overview's numbers, the connector list (filters, auto-refresh), a
// connector's actions checked against the REST API, the offsets view, and a failed task's trace.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { Env, waitFor } from './harness.mjs'

const env = new Env('connectors')
let page

function fileSource (name, topic, extra = {}) {
  const file = path.join(env.dir, `${name}.txt`)
  fs.writeFileSync(file, 'one\ntwo\nthree\n')
  return { 'connector.class': 'FileStreamSource', file, topic, ...extra }
}

before(async () => {
  await env.startBroker()
  await env.startWorker()
  for (const [name, initial] of [['alpha-src', undefined], ['beta-src', undefined], ['gamma-paused', 'PAUSED'], ['delta-stopped', 'STOPPED']]) {
    const r = await env.http('POST', '/connectors', { name, config: fileSource(name, `${name}-topic`), ...(initial ? { initial_state: initial } : {}) })
    assert.equal(r.status, 201, JSON.stringify(r.body))
  }
  await env.waitState('alpha-src', 'RUNNING', { tasks: 'RUNNING' })
  await env.waitState('beta-src', 'RUNNING', { tasks: 'RUNNING' })
  await env.waitState('gamma-paused', 'PAUSED')
  await env.waitState('delta-stopped', 'STOPPED')
  page = await env.page()
})

after(async () => {
  await env.cleanup()
})

test('overview shows the worker, the cluster and connectors by state', async () => {
  await page.goto(env.url + '/ui/')
  const root = (await env.http('GET', '/')).body
  await page.getByTestId('connector-total').filter({ hasText: '4' }).waitFor()
  assert.equal(await page.getByTestId('worker-version').textContent(), root.version)
  assert.equal(await page.getByTestId('cluster-id').textContent(), root.kafka_cluster_id)
  assert.equal(await page.getByTestId('count-RUNNING').textContent(), 'RUNNING 2')
  assert.equal(await page.getByTestId('count-PAUSED').textContent(), 'PAUSED 1')
  assert.equal(await page.getByTestId('count-STOPPED').textContent(), 'STOPPED 1')
  assert.equal(await page.getByTestId('count-FAILED').textContent(), 'FAILED 0')
  // Tasks: the two running sources and the paused one's task.
  assert.equal(await page.getByTestId('task-total').textContent(), '3')
  const workers = page.getByTestId('workers')
  await workers.getByText(env.workerId).waitFor()
  assert.match(await workers.textContent(), /this worker/)
  const topics = (await env.http('GET', '/ferry/v1/topics?offsets=false')).body.filter((t) => !t.internal).length
  assert.equal(await page.getByTestId('topic-count').textContent(), String(topics))
  await env.screenshot(page, 'overview')

  // A state count links to the filtered list.
  await page.getByTestId('count-PAUSED').click()
  await page.waitForURL(/\/ui\/connectors\?state=PAUSED$/)
  await page.locator('tr[data-connector="gamma-paused"]').waitFor()
  assert.equal(await page.locator('tbody tr[data-connector]').count(), 1)
})

test('connector list: types, states, task counts, filters and auto-refresh', async () => {
  await page.goto(env.url + '/ui/connectors')
  const rows = page.locator('tbody tr[data-connector]')
  await waitFor(async () => (await rows.count()) === 4, { what: '4 rows' })
  const alpha = page.locator('tr[data-connector="alpha-src"]')
  assert.match(await alpha.textContent(), /source/)
  assert.match(await alpha.textContent(), /FileStreamSourceConnector/)
  assert.match(await alpha.textContent(), /RUNNING/)
  assert.match(await alpha.textContent(), /1\/1 running/)
  assert.match(await page.locator('tr[data-connector="delta-stopped"]').textContent(), /STOPPED.*0\/0 running/)
  await env.screenshot(page, 'connector-list')

  await page.getByLabel('Filter connectors').fill('alp')
  await waitFor(async () => (await rows.count()) === 1, { what: 'the name filter' })
  assert.equal(await rows.first().getAttribute('data-connector'), 'alpha-src')
  assert.match(page.url(), /q=alp/)
  // The topic is searchable too.
  await page.getByLabel('Filter connectors').fill('beta-src-topic')
  await waitFor(async () => (await rows.count()) === 1 && (await rows.first().getAttribute('data-connector')) === 'beta-src', { what: 'the topic filter' })
  await page.getByLabel('Filter connectors').fill('')
  await page.getByLabel('State').selectOption('STOPPED')
  await waitFor(async () => (await rows.count()) === 1, { what: 'the state filter' })
  assert.equal(await rows.first().getAttribute('data-connector'), 'delta-stopped')
  await page.getByLabel('State').selectOption('')
  await page.getByLabel('Type').selectOption('sink')
  await page.getByText('No connector matches the filter.').waitFor()
  await page.getByLabel('Type').selectOption('')

  // Auto-refresh: a connector created elsewhere shows up, and a state change too.
  await env.http('POST', '/connectors', { name: 'epsilon-src', config: fileSource('epsilon-src', 'epsilon-topic') })
  await page.locator('tr[data-connector="epsilon-src"]').waitFor({ timeout: 10000 })
  await env.http('PUT', '/connectors/epsilon-src/pause')
  await page.locator('tr[data-connector="epsilon-src"] .badge.PAUSED').waitFor({ timeout: 10000 })
  await env.http('DELETE', '/connectors/epsilon-src')
  await page.locator('tr[data-connector="epsilon-src"]').waitFor({ state: 'detached', timeout: 10000 })
})

test('pause, resume, stop, restart and delete from the detail page', async () => {
  await page.goto(env.url + '/ui/connectors')
  await page.getByRole('link', { name: 'beta-src' }).click()
  await page.waitForURL(/\/ui\/connectors\/beta-src/)
  const state = page.getByTestId('connector-state')
  await state.getByText('RUNNING').waitFor()
  await page.locator('tr[data-task="0"]').getByText('RUNNING').waitFor()
  await env.screenshot(page, 'connector-detail')

  await page.getByTestId('action-pause').click()
  await env.waitState('beta-src', 'PAUSED', { tasks: 'PAUSED' })
  await state.getByText('PAUSED').waitFor()
  assert.ok(await page.getByTestId('action-pause').isDisabled())

  await page.getByTestId('action-resume').click()
  await env.waitState('beta-src', 'RUNNING', { tasks: 'RUNNING' })
  await state.getByText('RUNNING').waitFor()

  await page.getByTestId('action-restart').click()
  await page.getByText('Restart: done').waitFor()
  await env.waitState('beta-src', 'RUNNING', { tasks: 'RUNNING' })

  await page.getByTestId('action-stop').click()
  await env.waitState('beta-src', 'STOPPED')
  await state.getByText('STOPPED').waitFor()
  await page.getByText('A stopped connector has no tasks.').waitFor()

  // Delete asks first; cancelling keeps the connector.
  await page.getByTestId('action-delete').click()
  await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click()
  assert.equal((await env.http('GET', '/connectors/beta-src')).status, 200)
  await page.getByTestId('action-delete').click()
  await env.screenshot(page, 'delete-confirmation')
  await page.getByTestId('confirm-ok').click()
  await page.waitForURL(/\/ui\/connectors$/)
  assert.equal((await env.http('GET', '/connectors/beta-src')).status, 404)
})

test('configuration and offsets: alter and reset only while stopped', async () => {
  const name = 'alpha-src'
  await waitFor(async () => {
    const o = await env.http('GET', `/connectors/${name}/offsets`)
    return o.body.offsets.length === 1 && o.body.offsets[0].offset.position === 14
  }, { what: 'the committed source offset' })
  await page.goto(`${env.url}/ui/connectors/${name}?tab=config`)
  const cfg = page.getByTestId('config-table')
  await cfg.getByText('connector.class').waitFor()
  assert.match(await cfg.textContent(), /alpha-src-topic/)

  await page.getByRole('tab', { name: 'Offsets' }).click()
  const table = page.getByTestId('offsets-table')
  await table.waitFor()
  assert.match(await table.textContent(), /"position":14/)
  assert.ok(await page.getByTestId('offsets-apply').isDisabled())
  assert.ok(await page.getByTestId('offsets-reset').isDisabled())
  await page.getByText('Offsets can be altered or reset only while the connector is stopped').waitFor()

  await page.getByTestId('action-stop').click()
  await env.waitState(name, 'STOPPED')
  await page.getByTestId('connector-state').getByText('STOPPED').waitFor()
  await page.getByRole('tab', { name: 'Tasks' }).click()
  await page.getByRole('tab', { name: 'Offsets' }).click()
  await waitFor(async () => !(await page.getByTestId('offsets-apply').isDisabled()), { what: 'offsets to be editable' })
  const json = page.getByTestId('offsets-json')
  const current = JSON.parse(await json.inputValue())
  current.offsets[0].offset.position = 4
  await json.fill(JSON.stringify(current, null, 2))
  await page.getByTestId('offsets-apply').click()
  // The answer appears in the panel's live message area (a looser text match also hits the panel
  // itself, whose editor and buttons read "offsets ... reset", before any answer has come).
  const answer = page.locator('[aria-live="polite"]')
  await answer.getByText(/offsets for this connector have been altered successfully/i).waitFor()
  const altered = await env.http('GET', `/connectors/${name}/offsets`)
  assert.equal(altered.body.offsets[0].offset.position, 4)
  await env.screenshot(page, 'offsets')

  await page.getByTestId('offsets-reset').click()
  await page.getByTestId('confirm-ok').click()
  await answer.getByText(/offsets for this connector have been reset successfully/i).waitFor()
  assert.deepEqual((await env.http('GET', `/connectors/${name}/offsets`)).body.offsets, [])

  // Resumed, the source reads the file again from the start.
  await page.getByTestId('action-resume').click()
  await env.waitState(name, 'RUNNING', { tasks: 'RUNNING' })
  await waitFor(async () => {
    const o = await env.http('GET', `/connectors/${name}/offsets`)
    return o.body.offsets.length === 1 && o.body.offsets[0].offset.position === 14
  }, { what: 'the source to read the file again' })
})

test('a failed task shows its trace, and failed tasks can be restarted', async () => {
  const r = await env.http('POST', '/connectors', {
    name: 'failing-sink',
    config: {
      'connector.class': 'org.apache.kafka.connect.tools.VerifiableSinkConnector',
      topics: 'alpha-src-topic',
      'failure.after.records': '0'
    }
  })
  assert.equal(r.status, 201, JSON.stringify(r.body))
  const failed = await env.waitState('failing-sink', 'RUNNING', { tasks: 'FAILED' })
  assert.match(failed.tasks[0].trace, /injected failure/)

  await page.goto(env.url + '/ui/connectors/failing-sink')
  const row = page.locator('tr[data-task="0"]')
  await row.getByText('FAILED').waitFor()
  const trace = page.getByTestId('task-trace-0')
  assert.equal(await trace.locator('pre').isVisible(), false)
  await trace.getByText('Failure trace').click()
  await trace.locator('pre').getByText('injected failure after 0 records').waitFor()
  assert.match(await trace.locator('pre').textContent(), /injected failure/)
  await env.screenshot(page, 'failure-trace')
  // The trace stays open across auto-refreshes (two more status polls).
  for (let i = 0; i < 2; i++) await page.waitForResponse((r) => r.url().endsWith('/connectors/failing-sink/status'), { timeout: 15000 })
  assert.ok(await trace.locator('pre').isVisible())

  // The overview counts the failed task.
  const restarts = []
  page.on('request', (req) => { if (req.method() === 'POST' && req.url().includes('/restart')) restarts.push(req.url()) })
  assert.equal(await page.getByTestId('action-restart-failed').isDisabled(), false)
  await page.getByTestId('action-restart-failed').click()
  await page.getByText('Restart failed tasks: done').waitFor()
  assert.deepEqual(restarts, [`${env.url}/connectors/failing-sink/restart?includeTasks=true&onlyFailed=true`])
  // It fails again (the fault is in its config), and says so.
  await env.waitState('failing-sink', 'RUNNING', { tasks: 'FAILED' })
  await row.getByText('FAILED').waitFor()

  await page.goto(env.url + '/ui/')
  await page.getByTestId('count-FAILED').waitFor()
  // The connector itself runs; its task failed.
  assert.equal(await page.getByTestId('count-FAILED').textContent(), 'FAILED 0')
  assert.match(await page.locator('.card', { hasText: 'Tasks' }).textContent(), /FAILED 1/)
})

test('no page loaded anything from outside the worker, and none logged an error', () => {
  env.assertClean(page)
})
