// Entry point of the `berth` command (bundled to dist/cli.js).
process.stdout.write('berth: CLI not built yet\n');
