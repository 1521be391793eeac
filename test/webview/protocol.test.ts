// The message guards the host and the webview put in front of postMessage data, and the map keys.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isHostToWebview, isWebviewToHost } from '../../shared/webviewProtocol';
import { nsKey, processKey } from '../../shared/core/identity';

test('webview→host guard takes the known messages and drops anything else', () => {
  assert.ok(isWebviewToHost({ type: 'ready', protocol: 1 }));
  assert.ok(isWebviewToHost({ type: 'killInit', ns: { dev: 4, inode: 1 } }));
  for (const junk of [
    null,
    undefined,
    3,
    'ready',
    [],
    {},
    { type: 'snapshot' },
    { type: 'eval' },
    { type: 1 },
    { type: 'toString' },
    { type: 'constructor' },
  ])
    assert.equal(isWebviewToHost(junk), false, JSON.stringify(junk));
});

test('host→webview guard takes the known messages and drops anything else', () => {
  assert.ok(isHostToWebview({ type: 'diff', diff: {} }));
  assert.ok(isHostToWebview({ type: 'status', message: null, severity: 'info' }));
  for (const junk of [null, 'diff', {}, { type: 'ready' }, { type: 'revealInTree' }, { type: 'hasOwnProperty' }])
    assert.equal(isHostToWebview(junk), false, JSON.stringify(junk));
});

test('keys: a namespace by device and inode, a process by PID and start time', () => {
  assert.notEqual(nsKey({ dev: 4, inode: 4026531836 }), nsKey({ dev: 5, inode: 4026531836 }));
  assert.notEqual(processKey({ pid: 42, startTime: 100 }), processKey({ pid: 42, startTime: 101 }));
  assert.equal(nsKey({ dev: 4, inode: 7 }), '4:7');
});
