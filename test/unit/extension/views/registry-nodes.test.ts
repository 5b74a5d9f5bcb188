import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BerthError } from '../../../../src/runtime/errors';
import {
  LISTING_LIMIT,
  type RegistryMessageNode,
  type RegistryNode,
  type RepositoryNode,
  keyOf,
  listingFailure,
  loginsFailure,
  referenceOf,
  registryNodes,
  repositoryNodes,
  tagNodes,
} from '../../../../src/extension/views/registry-nodes';

const local: RegistryNode = { kind: 'registry', registry: 'localhost:5000' };
const hub: RegistryNode = { kind: 'registry', registry: 'docker.io' };
const app: RepositoryNode = { kind: 'repository', registry: 'localhost:5000', repository: 'team/app' };

describe('Registries view nodes', () => {
  it('lists the logged-in registries sorted', () => {
    assert.deepEqual(registryNodes(['quay.io', 'docker.io', 'localhost:5000']).map((n) => n.registry), ['docker.io', 'localhost:5000', 'quay.io']);
  });

  it('builds repository nodes in natural order under their registry', () => {
    const nodes = repositoryNodes(local, ['app10', 'app9', 'base']);
    assert.deepEqual(nodes, [
      { kind: 'repository', registry: 'localhost:5000', repository: 'app9' },
      { kind: 'repository', registry: 'localhost:5000', repository: 'app10' },
      { kind: 'repository', registry: 'localhost:5000', repository: 'base' },
    ]);
  });

  it('sorts tags as versions read', () => {
    const nodes = tagNodes(app, ['latest', '1.10', '1.9', '1.9.1']);
    assert.deepEqual(nodes.map((n) => (n.kind === 'registryTag' ? n.tag : n.kind)), ['1.9', '1.9.1', '1.10', 'latest']);
  });

  it('says so when a registry or repository has nothing, instead of an empty node', () => {
    const [none] = repositoryNodes(local, []) as RegistryMessageNode[];
    assert.equal(none.kind, 'registryMessage');
    assert.equal(none.text, 'No repositories yet');
    assert.match(none.tooltip!, /Push an image to it/);
    const [noTags] = tagNodes(app, []) as RegistryMessageNode[];
    assert.equal(noTags.text, 'No tags');
  });

  it('cuts a long listing at the limit and says it did', () => {
    const names = Array.from({ length: LISTING_LIMIT + 1 }, (_, i) => `repo-${String(i).padStart(4, '0')}`);
    const nodes = repositoryNodes(local, names);
    assert.equal(nodes.length, LISTING_LIMIT + 1);
    const last = nodes[nodes.length - 1] as RegistryMessageNode;
    assert.equal(last.text, `Showing the first ${LISTING_LIMIT} repositories`);
    assert.equal(repositoryNodes(local, names.slice(0, LISTING_LIMIT)).length, LISTING_LIMIT);
  });

  it('names tags and repositories as people type them', () => {
    assert.equal(referenceOf({ kind: 'registryTag', registry: 'docker.io', repository: 'library/busybox', tag: '1.36' }), 'busybox:1.36');
    assert.equal(referenceOf({ kind: 'registryTag', registry: 'docker.io', repository: 'user/app', tag: '1' }), 'user/app:1');
    assert.equal(referenceOf({ kind: 'registryTag', registry: 'localhost:5000', repository: 'team/app', tag: 'latest' }), 'localhost:5000/team/app:latest');
    assert.equal(referenceOf(app), 'localhost:5000/team/app');
  });

  it('gives every node a key unique in the tree', () => {
    const keys = [local, app, ...tagNodes(app, ['1', '2']), ...tagNodes(app, []), ...repositoryNodes(local, [])].map(keyOf);
    assert.equal(new Set(keys).size, keys.length);
  });

  describe('a listing that fails', () => {
    it('on Docker Hub (no catalog) says it does not list and offers Pull by name', () => {
      const node = listingFailure(hub, new BerthError('not-found', 'the repository catalog was not found in docker.io'));
      assert.equal(node.text, 'Docker Hub does not list repositories — pull by name');
      assert.equal(node.command?.command, 'berth.images.pull');
      assert.equal(node.icon, 'info');
    });

    it('on another registry without a catalog says the same of it', () => {
      assert.equal(listingFailure(local, new BerthError('not-found', 'x')).text, 'This registry does not list its repositories — pull by name');
    });

    it('for a repository deleted meanwhile says it is gone', () => {
      assert.equal(listingFailure(app, new BerthError('not-found', 'x')).text, 'The registry no longer has this repository');
    });

    it('when the login is refused offers to log in to that registry again', () => {
      const node = listingFailure(local, new BerthError('unauthorized', 'localhost:5000 refused the credentials for the repository catalog.'));
      assert.equal(node.icon, 'lock');
      assert.deepEqual(node.command, { command: 'berth.registries.logIn', title: 'Log In', arguments: [{ registry: 'localhost:5000' }] });
      assert.match(node.tooltip!, /refused the credentials/);
    });

    it('when the account may not list says so', () => {
      assert.equal(listingFailure(local, new BerthError('permission-denied', 'denied')).text, 'This account may not list its repositories');
      assert.equal(listingFailure(app, new BerthError('permission-denied', 'denied')).text, 'This account may not list the tags of this repository');
    });

    it('when the registry cannot be reached gives the first sentence, the rest in the tooltip', () => {
      const err = new BerthError('unavailable', 'Cannot reach the registry localhost:5000: connect ECONNREFUSED 127.0.0.1:5000. Is it running?');
      const node = listingFailure(local, err);
      assert.equal(node.text, 'Could not list: Cannot reach the registry localhost:5000: connect ECONNREFUSED 127.0.0.1:5000');
      assert.equal(node.icon, 'warning');
      assert.match(node.tooltip!, /Is it running\?\n\nRefresh the view/);
      assert.equal(node.command, undefined);
    });

    it('when the Docker config file is broken says which file', () => {
      const node = loginsFailure(new BerthError('invalid-argument', '/home/u/.docker/config.json is not a valid Docker config file (Unexpected token). Fix or move it aside.'));
      assert.equal(node.text, 'Could not read the logins: /home/u/.docker/config.json is not a valid Docker config file (Unexpected token)');
    });
  });
});
