import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { BerthError } from '../../../src/runtime/errors';
import { exitStatusOf, runCli } from '../../../src/runtime/cli/cli';
import { COMMANDS, GROUPS } from '../../../src/runtime/cli/commands';
import { fakeEngine, runBerth, summary } from './fake-engine';

describe('berth command line', () => {
  it('prints docker-style help for the program, for groups and for every verb', async () => {
    const top = await runBerth(['--help'], fakeEngine());
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^Usage: {2}berth \[OPTIONS\] COMMAND/);
    assert.match(top.stdout, /Management Commands:\n(?: {2}\S+ +.+\n)* {2}container +Manage containers\n {2}image +Manage images\n/);
    for (const verb of Object.keys(COMMANDS)) {
      const help = await runBerth([verb, '--help'], fakeEngine());
      assert.equal(help.code, 0, verb);
      assert.match(help.stdout, new RegExp(`^Usage: {2}berth ${verb} `), verb);
      assert.match(help.stdout, /\nOptions:\n/, verb);
    }
    for (const [group, { commands }] of Object.entries(GROUPS)) {
      for (const sub of Object.keys(commands)) {
        const help = await runBerth([group, sub, '--help'], fakeEngine());
        assert.match(help.stdout, new RegExp(`^Usage: {2}berth ${group} ${sub} `), `${group} ${sub}`);
      }
    }
  });

  it('names every alias of a verb in its help', async () => {
    const { stdout } = await runBerth(['container', 'ls', '--help'], fakeEngine());
    assert.match(stdout, /Aliases:\n {2}berth container ls, berth container ps, berth container list, berth ps\n/);
  });

  it('prints the version with -v and --version', async () => {
    for (const flag of ['-v', '--version']) assert.equal((await runBerth([flag], fakeEngine())).stdout, 'berth version 0.1.0\n');
  });

  it('exits 125 with a pointer to --help for usage mistakes', async () => {
    const unknownVerb = await runBerth(['frobnicate'], fakeEngine());
    assert.equal(unknownVerb.code, 125);
    assert.equal(unknownVerb.stderr, "berth: Error: 'frobnicate' is not a berth command.\nSee 'berth --help'.\n");
    const unknownFlag = await runBerth(['ps', '--bogus'], fakeEngine());
    assert.equal(unknownFlag.code, 125);
    assert.equal(unknownFlag.stderr, "berth: Error: unknown flag: --bogus\nSee 'berth ps --help'.\n");
    const missing = await runBerth(['stop'], fakeEngine());
    assert.equal(missing.code, 125);
    assert.match(missing.stderr, /"berth stop" requires at least 1 argument/);
    const tooMany = await runBerth(['logs', 'a', 'b'], fakeEngine());
    assert.match(tooMany.stderr, /"berth logs" requires exactly 1 argument/);
    const unknownSub = await runBerth(['image', 'frob'], fakeEngine());
    assert.equal(unknownSub.code, 125);
    assert.match(unknownSub.stderr, /'image frob' is not a berth image command/);
  });

  it('runs the management forms as the same verbs', async () => {
    const engine = fakeEngine({ containers: [summary('a'.repeat(64), 'web')] });
    const viaGroup = await runBerth(['container', 'ls', '-q'], engine);
    const direct = await runBerth(['ps', '-q'], engine);
    assert.equal(viaGroup.stdout, 'aaaaaaaaaaaa\n');
    assert.equal(viaGroup.stdout, direct.stdout);
  });

  it('exits 1 for a failed verb and 125 when run itself fails', async () => {
    const stop = await runBerth(['stop', 'nope'], fakeEngine());
    assert.equal(stop.code, 1);
    assert.equal(stop.stderr, 'berth: Error: No such container: nope\n');
    const engine = fakeEngine();
    engine.createContainer = async () => {
      throw new BerthError('not-found', 'No such image: nope:latest. Load it with `berth load -i FILE`.');
    };
    const run = await runBerth(['run', 'nope'], engine);
    assert.equal(run.code, 125);
    assert.match(run.stderr, /^berth: Error: No such image/);
  });

  it('opens the engine on --root, else on BERTH_ROOT', async () => {
    const roots: string[] = [];
    const io = (env: NodeJS.ProcessEnv) => ({
      stdin: new PassThrough(),
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      env,
      openEngine: async (root: string) => {
        roots.push(root);
        return fakeEngine();
      },
    });
    assert.equal(await runCli(['--root', '/tmp/a', 'wait'], io({})), 125);
    await runCli(['--root', '/tmp/a', 'ps', '-q'], io({}));
    await runCli(['ps', '-q'], io({ BERTH_ROOT: '/tmp/b' }));
    assert.deepEqual(roots, ['/tmp/a', '/tmp/b']);
  });
});

describe('exitStatusOf', () => {
  it('maps exec failures to 127 (not found) and 126 (not executable), as a shell does', () => {
    assert.equal(exitStatusOf(new Error('exec "nosuch": executable file not found in $PATH')), 127);
    assert.equal(exitStatusOf(new Error('exec "/etc/passwd": Permission denied')), 126);
    assert.equal(exitStatusOf(new Error('No such container: x')), undefined);
    assert.equal(exitStatusOf(Object.assign(new BerthError('failed-precondition', 'cannot run'), { exitCode: 127 })), 127);
  });
});
