import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddressList } from './address.ts';
import { displayAddresses } from './display-address.ts';

test('decoded names, plain addresses, groups flattened', () => {
  const list = parseAddressList('=?utf-8?q?J=C3=BCrgen?= <j@example.de>, "Doe, Jane" <jane@example.org>, team: a@x.example, b@y.example;, bare@example.net');
  assert.deepEqual(displayAddresses(list), [
    { name: 'Jürgen', address: 'j@example.de' },
    { name: 'Doe, Jane', address: 'jane@example.org' },
    { name: null, address: 'a@x.example' },
    { name: null, address: 'b@y.example' },
    { name: null, address: 'bare@example.net' },
  ]);
  assert.deepEqual(displayAddresses(null), []);
});
