import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseTemplate } from '../../../src/runtime/cli/template';

const row = { ID: '0123456789ab', Names: 'web', Labels: { 'com.x': 'y', a: 'b' }, Config: { Image: 'busybox', Cmd: ['sh', '-c', 'true'] }, Count: 3 };

describe('parseTemplate', () => {
  it('renders fields and nested fields', () => {
    assert.equal(parseTemplate('{{.ID}} {{.Names}}').render(row), '0123456789ab web');
    assert.equal(parseTemplate('{{ .Config.Image }}').render(row), 'busybox');
    assert.equal(parseTemplate('{{.Count}}').render(row), '3');
  });
  it('renders JSON of the whole row or of a field', () => {
    assert.deepEqual(JSON.parse(parseTemplate('{{json .}}').render(row)), row);
    assert.equal(parseTemplate('{{json .Config.Cmd}}').render(row), '["sh","-c","true"]');
  });
  it('supports index, upper, lower, join, len, truncate and pipes', () => {
    assert.equal(parseTemplate('{{index .Labels "com.x"}}').render(row), 'y');
    assert.equal(parseTemplate('{{upper .Names}}').render(row), 'WEB');
    assert.equal(parseTemplate('{{.Names | upper}}').render(row), 'WEB');
    assert.equal(parseTemplate('{{join .Config.Cmd " "}}').render(row), 'sh -c true');
    assert.equal(parseTemplate('{{len .Config.Cmd}}').render(row), '3');
    assert.equal(parseTemplate('{{truncate .ID 4}}').render(row), '0123');
    assert.equal(parseTemplate('{{lower "ABC"}}').render(row), 'abc');
  });
  it('prints maps and missing fields the way Go does', () => {
    assert.equal(parseTemplate('{{.Labels}}').render(row), 'map[a:b com.x:y]');
    assert.equal(parseTemplate('{{.Nope}}').render(row), '<no value>');
  });
  it('turns written \\t and \\n into a tab and a newline', () => {
    assert.equal(parseTemplate('{{.ID}}\\t{{.Names}}\\n').render(row), '0123456789ab\tweb\n');
  });
  it('trims whitespace around {{- and -}}', () => {
    assert.equal(parseTemplate('a  {{- .Names -}}  b').render(row), 'awebb');
  });
  it('recognises the table prefix', () => {
    const t = parseTemplate('table {{.ID}}\t{{.Names}}');
    assert.equal(t.table, true);
    assert.equal(t.render(row), '0123456789ab\tweb');
    assert.equal(parseTemplate('{{.ID}}').table, false);
  });
  it('refuses what it does not implement, saying so', () => {
    assert.throws(() => parseTemplate('{{range .Mounts}}x{{end}}'), /'range' is not supported/);
    assert.throws(() => parseTemplate('{{.ID'), /unclosed action/);
  });
});
