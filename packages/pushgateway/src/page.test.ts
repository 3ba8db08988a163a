/**
 * The web page in a real browser (Debian's chromium, driven by playwright-core): groups listed, a group
 * deleted with its button, groups deleted by selector with the form, and pushed markup shown as text,
 * never run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { requireProgram, tempDir } from '@vigil/testkit';
import { send, startVigil } from './test-helpers.js';

test('page: delete a group with its button, groups by selector with the form; pushed markup stays text', async () => {
  const chromiumPath = requireProgram('chromium', 'chromium');
  const gw = await startVigil({ enableAdminApi: true });
  const tmp = tempDir('vigil-pg-page-');
  const browser = await chromium.launchPersistentContext(join(tmp.path, 'profile'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const evil = '<img src=x onerror=alert(1)>';
    for (const [job, inst] of [['keep', 'a'], ['batch', 'db-1'], ['batch', 'db-2'], ['batch', 'web-1']]) {
      const r = await send(`${gw.url}/metrics/job/${job}/instance/${inst}/note@base64/${Buffer.from(evil).toString('base64url')}`, 'PUT', `# HELP page_metric ${evil}\npage_metric 1\n`);
      assert.equal(r.status, 200, r.body);
    }
    const page = browser.pages()[0] ?? (await browser.newPage());
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(gw.url + '/');
    assert.equal(await page.locator('details.group').count(), 4);
    // The pushed markup is text on the page, not an element.
    assert.equal(await page.locator('img').count(), 0);
    assert.ok((await page.locator('details.group').first().innerText()).includes(evil));

    // The delete button of the group keep/a.
    const keep = page.locator('details.group', { hasText: 'job="keep"' });
    await Promise.all([page.waitForEvent('load'), keep.locator('button.delete').click()]);
    assert.deepEqual(dialogs, ['Delete this group?']);
    assert.equal(await page.locator('details.group').count(), 3);

    // Deletion by selector.
    await page.fill('input[name=selector]', '{job="batch",instance=~"db-.*"}');
    await Promise.all([page.waitForEvent('load', { timeout: 10000 }), page.click('#delete-matching button[type=submit]')]);
    assert.equal(await page.locator('details.group').count(), 1);
    assert.match(await page.locator('details.group').innerText(), /instance="web-1"/);
    assert.deepEqual(errors, []);
    assert.deepEqual(dialogs, ['Delete this group?'], 'no alert from pushed markup');
    const left = JSON.parse((await send(gw.url + '/api/v1/groups', 'GET')).body) as { data: Array<{ labels: Record<string, string> }> };
    assert.deepEqual(left.data.map((g) => g.labels.instance), ['web-1']);
  } finally {
    await browser.close();
    await gw.close();
    tmp.cleanup();
  }
});
