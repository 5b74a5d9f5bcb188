import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { bytesSize, humanDuration, humanSize, parseDuration, parseRamSize, parseTimestamp, rfc3339Nano, timeAgo } from '../../../src/runtime/cli/units';

describe('humanSize', () => {
  it('uses decimal units with four significant digits, like docker images', () => {
    assert.equal(humanSize(0), '0B');
    assert.equal(humanSize(999), '999B');
    assert.equal(humanSize(1000), '1kB');
    assert.equal(humanSize(4_200_000), '4.2MB');
    assert.equal(humanSize(4_261_234), '4.261MB');
    assert.equal(humanSize(123_456_789), '123.5MB');
    assert.equal(humanSize(2_000_000_000), '2GB');
  });
  it('uses binary units for bytesSize, like docker stats', () => {
    assert.equal(bytesSize(512), '512B');
    assert.equal(bytesSize(1536 * 1024), '1.5MiB');
    assert.equal(bytesSize(1024 ** 3), '1GiB');
  });
});

describe('parseRamSize', () => {
  it('reads bytes and binary unit letters in any case', () => {
    assert.equal(parseRamSize('1048576'), 1048576);
    assert.equal(parseRamSize('64m'), 64 * 1024 * 1024);
    assert.equal(parseRamSize('64M'), 64 * 1024 * 1024);
    assert.equal(parseRamSize('1g'), 1024 ** 3);
    assert.equal(parseRamSize('1.5g'), 1.5 * 1024 ** 3);
    assert.equal(parseRamSize('512kb'), 512 * 1024);
    assert.equal(parseRamSize('2GiB'), 2 * 1024 ** 3);
    assert.equal(parseRamSize('100b'), 100);
  });
  it('refuses what docker refuses', () => {
    for (const bad of ['', 'm', '64x', '-1m', '1.5.g', '64mm']) {
      assert.throws(() => parseRamSize(bad), /invalid size/, bad);
    }
  });
});

describe('parseDuration', () => {
  it('reads Go durations in milliseconds', () => {
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('300ms'), 300);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('-2m'), -120_000);
    assert.equal(parseDuration('0'), 0);
  });
  it('refuses numbers without units and nonsense', () => {
    for (const bad of ['10', 'h', '1d', '1h 30m', '']) assert.throws(() => parseDuration(bad), /invalid duration/, bad);
  });
});

describe('parseTimestamp', () => {
  const now = new Date('2026-11-23T16:00:00Z');
  it('reads durations as "that long ago"', () => {
    assert.equal(parseTimestamp('10m', now).toISOString(), '2026-11-23T15:50:00.000Z');
  });
  it('reads unix times, with fractions', () => {
    assert.equal(parseTimestamp('1700000000').getTime(), 1_700_000_000_000);
    assert.equal(parseTimestamp('1700000000.25').getTime(), 1_700_000_000_250);
  });
  it('reads RFC 3339 and its prefixes', () => {
    assert.equal(parseTimestamp('2026-11-23T16:00:00Z').toISOString(), '2026-11-23T16:00:00.000Z');
    assert.equal(parseTimestamp('2026-11-23T16:00:00.123456789Z').toISOString(), '2026-11-23T16:00:00.123Z');
    assert.equal(parseTimestamp('2026-11-23T18:00:00+02:00').toISOString(), '2026-11-23T16:00:00.000Z');
    assert.equal(parseTimestamp('2026-11-23').getTime(), new Date(2026, 10, 23).getTime(), 'no zone means local time');
    assert.equal(parseTimestamp('2026-11-23T16:30').getTime(), new Date(2026, 10, 23, 16, 30).getTime());
  });
  it('refuses anything else', () => {
    assert.throws(() => parseTimestamp('yesterday'), /invalid time/);
    assert.throws(() => parseTimestamp('2026-13-45T99:00:00Z'), /invalid time/);
  });
});

describe('humanDuration', () => {
  it('speaks like docker ps', () => {
    assert.equal(humanDuration(500), 'Less than a second');
    assert.equal(humanDuration(1000), '1 second');
    assert.equal(humanDuration(45_000), '45 seconds');
    assert.equal(humanDuration(61_000), 'About a minute');
    assert.equal(humanDuration(3 * 60_000), '3 minutes');
    assert.equal(humanDuration(60 * 60_000), 'About an hour');
    assert.equal(humanDuration(5 * 3_600_000), '5 hours');
    assert.equal(humanDuration(3 * 86_400_000), '3 days');
    assert.equal(humanDuration(20 * 86_400_000), '2 weeks');
    assert.equal(humanDuration(90 * 86_400_000), '3 months');
    assert.equal(humanDuration(800 * 86_400_000), '2 years');
  });
  it('appends "ago" for past times', () => {
    const now = new Date('2026-11-23T16:03:00Z');
    assert.equal(timeAgo('2026-11-23T16:00:00Z', now), '3 minutes ago');
    assert.equal(timeAgo(undefined, now), '');
  });
});

describe('rfc3339Nano', () => {
  it('pads to nine fractional digits in UTC', () => {
    assert.equal(rfc3339Nano('2026-11-23T16:00:00Z'), '2026-11-23T16:00:00.000000000Z');
    assert.equal(rfc3339Nano('2026-11-23T16:00:00.123Z'), '2026-11-23T16:00:00.123000000Z');
    assert.equal(rfc3339Nano('2026-11-23T16:00:00.123456789Z'), '2026-11-23T16:00:00.123456789Z');
    assert.equal(rfc3339Nano('2026-11-23T18:00:00.5+02:00'), '2026-11-23T16:00:00.500000000Z');
    assert.equal(rfc3339Nano(new Date('2026-11-23T16:00:00.007Z')), '2026-11-23T16:00:00.007000000Z');
  });
});
