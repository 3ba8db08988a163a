/** The small parsers, table by table, edge cases included. */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseCPUList, parseProcStatCPUs } from './collectors/cpu.js';
import { parseMounts } from './collectors/filesystem.js';
import { cleanMetricName, explodeSensorFilename } from './collectors/hwmon.js';
import { parseMeminfo } from './collectors/meminfo.js';
import { addressScope, parseNetDev } from './collectors/netdev.js';
import { parseNetStats, parseSNMP6 } from './collectors/netstat.js';
import { osVersionNumber, parseOSRelease } from './collectors/os.js';
import { parsePSI } from './collectors/pressure.js';
import { parseSockstat } from './collectors/sockstat.js';
import { parseConntrackStat } from './collectors/conntrack.js';
import { parseTZif, zoneAbbreviation } from './tz.js';

test('cpu lists', () => {
  const cases: Array<[string, number[] | RegExp]> = [
    ['', []],
    ['\n', []],
    ['3\n', [3]],
    ['0-2,5,7-8', [0, 1, 2, 5, 7, 8]],
    ['1-x', /cannot parse CPU range/],
    ['4-2', /cannot parse CPU range/],
  ];
  for (const [input, want] of cases) {
    if (want instanceof RegExp) assert.throws(() => parseCPUList(input), want);
    else assert.deepEqual(parseCPUList(input), want, JSON.stringify(input));
  }
});

test('/proc/stat cpu lines: ids index the result, gaps (offline CPUs) are zero, short lines allowed', () => {
  const cpus = parseProcStatCPUs('cpu  1 2 3 4\ncpu0 100 0 0 200 0 0 0 0\ncpu2 300 0 0 400\nintr 1 2\n');
  assert.equal(cpus.length, 3);
  assert.equal(cpus[0][0], 1);
  assert.equal(cpus[0][3], 2);
  assert.deepEqual([...cpus[1]], new Array(10).fill(0));
  assert.equal(cpus[2][3], 4);
  assert.throws(() => parseProcStatCPUs('cpu0 1 x 3\n'), /invalid value "x" for cpu0/);
});

test('meminfo keys and units', () => {
  assert.deepEqual(parseMeminfo('MemTotal: 10 kB\nActive(file):  2 kB\nHugePages_Total:  3\n\nNfs(x)y(z): 1 kB\n'), [
    ['MemTotal_bytes', 10240],
    ['Active_file_bytes', 2048],
    ['HugePages_Total', 3],
    ['Nfs_x)y(z_bytes', 1024],
  ]);
  assert.throws(() => parseMeminfo('MemTotal: abc kB\n'), /invalid value in meminfo: "abc"/);
});

test('mount points: octal escapes for space and tab, short lines refused', () => {
  const m = parseMounts('/dev/a /mnt/a\\040b\\011c ext4 rw 0 0\n\n/dev/b / xfs ro 0 0\n');
  assert.deepEqual(m.map((x) => x.mountPoint), ['/mnt/a b\tc', '/']);
  assert.throws(() => parseMounts('/dev/a /x ext4\n'), /malformed mount point information/);
});

test('/proc/net/dev and netstat files', () => {
  const dev = parseNetDev('h1\nh2\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\nveth-x:y: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n');
  assert.deepEqual(dev.map((d) => d.device), ['eth0', 'veth-x:y']);
  assert.equal(dev[0].values[15], 16);
  assert.throws(() => parseNetDev('h1\nh2\neth0: 1 2 3\n'), /3 fields for eth0/);
  const got: string[] = [];
  parseNetStats('Tcp: A B\nTcp: 1 2\nUdp: C\nUdp: 3\n', 'snmp', (p, n, v) => got.push(`${p}_${n}=${v}`));
  assert.deepEqual(got, ['Tcp_A=1', 'Tcp_B=2', 'Udp_C=3']);
  assert.throws(() => parseNetStats('Tcp: A B\nTcp: 1\n', '/proc/net/snmp', () => {}), /mismatch field count mismatch in \/proc\/net\/snmp: Tcp/);
  const six: string[] = [];
  parseSNMP6('Ip6InOctets 5\nIcmp6InMsgs\t1\nnonsense\nUdpLite6InErrors 0\n', (p, n, v) => six.push(`${p}_${n}=${v}`));
  assert.deepEqual(six, ['Ip6_InOctets=5', 'Icmp6_InMsgs=1', 'UdpLite6_InErrors=0']);
});

test('sockstat, PSI and conntrack statistics', () => {
  const s = parseSockstat('sockets: used 5\nTCP: inuse 1 orphan 2 tw 3 alloc 4 mem 5\n');
  assert.equal(s.used, 5);
  assert.deepEqual([...s.protocols[0].values], [['inuse', 1], ['orphan', 2], ['tw', 3], ['alloc', 4], ['mem', 5]]);
  assert.throws(() => parseSockstat('TCP: inuse\n'), /malformed sockstat line/);
  assert.throws(() => parseSockstat('TCP: inuse 1 orphan\n'), /odd number of fields/);

  assert.deepEqual(parsePSI('some avg10=1.00 avg60=0.00 avg300=0.00 total=12\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=3\n'), { some: 12, full: 3 });
  assert.deepEqual(parsePSI('some avg10=1.00 avg60=0.00 avg300=0.00 total=12\n'), { some: 12 });
  assert.throws(() => parsePSI('some avg10=1.00 total=x\n'), /malformed PSI total "x"/);

  const sums = parseConntrackStat('entries searched found\n0000000a 00000001 000000ff\n0000000a 00000001 00000001\n');
  assert.equal(sums.get('found'), 256);
  assert.equal(sums.get('entries'), 20);
});

test('os-release: quoting, escapes, comments, export', () => {
  const env = parseOSRelease(
    [
      '# comment',
      'NAME="Debian GNU/Linux"',
      "PRETTY_NAME='It''s here'",
      'export ID=debian',
      'VERSION="12 (\\"bookworm\\")" # note',
      'ID_LIKE=',
      'VARIANT=plain value   # trailing',
      'HOME_URL="https://x/\\u00e9"',
    ].join('\n'),
  );
  assert.deepEqual(Object.fromEntries(env), {
    NAME: 'Debian GNU/Linux',
    PRETTY_NAME: 'Its here',
    ID: 'debian',
    VERSION: '12 ("bookworm")',
    VARIANT: 'plain value',
    HOME_URL: 'https://x/é',
  });
  const bad: Array<[string, RegExp]> = [
    ['NAME', /line 1: missing =/],
    ['1X=a', /invalid key "1X"/],
    ['A="open', /unmatched "/],
    ["A='open", /unmatched '/],
    ['A="\\q"', /invalid escape sequence "q"/],
  ];
  for (const [text, msg] of bad) assert.throws(() => parseOSRelease(text), msg);
  const versions: Array<[string, number]> = [['12', 12], ['22.04', 22.04], ['8.6.2', 8.6], ['rolling', 0], ['', 0], ['7.', 7]];
  for (const [v, want] of versions) assert.equal(osVersionNumber(v), want, v);
});

test('hwmon file names and chip names', () => {
  const cases: Array<[string, ReturnType<typeof explodeSensorFilename>]> = [
    ['temp1_input', { type: 'temp', num: 1, property: 'input' }],
    ['fan12', { type: 'fan', num: 12, property: '' }],
    ['in0_crit_alarm', { type: 'in', num: 0, property: 'crit_alarm' }],
    ['beep_enable', { type: 'beep_enable', num: 0, property: '' }],
    ['update_interval', { type: 'update_interval', num: 0, property: '' }],
    ['123', undefined],
  ];
  for (const [name, want] of cases) assert.deepEqual(explodeSensorFilename(name), want, name);
  assert.equal(cleanMetricName('Core Temp-0.x\n'), 'core_temp_0_x');
  assert.equal(cleanMetricName('__A__'), 'a');
});

test('address scopes as node_exporter names them', () => {
  const cases: Array<[string, string, string]> = [
    ['127.0.0.1', 'IPv4', 'link-local'],
    ['169.254.1.2', 'IPv4', 'link-local'],
    ['10.0.0.1', 'IPv4', 'global'],
    ['::1', 'IPv6', 'link-local'],
    ['fe80::1', 'IPv6', 'link-local'],
    ['2001:db8::1', 'IPv6', 'global'],
    ['ff01::1', 'IPv6', 'interface-local'],
  ];
  for (const [a, fam, want] of cases) assert.equal(addressScope(a, fam), want, a);
});

test('time zone abbreviations from tzdata, as Go reads them', () => {
  const zone = '/usr/share/zoneinfo/Europe/Berlin';
  assert.ok(existsSync(zone), `${zone} missing: install Debian's tzdata`);
  const tz = parseTZif(readFileSync(zone));
  assert.ok(tz);
  const cases: Array<[string, number, string]> = [
    ['2023-01-15T12:00:00Z', 3600, 'CET'],
    ['2023-07-15T12:00:00Z', 7200, 'CEST'],
    // Beyond the last transition in the file: the POSIX rule in the footer names the zone.
    ['2099-07-15T12:00:00Z', 7200, 'CEST'],
    ['2099-01-15T12:00:00Z', 3600, 'CET'],
    ['1900-01-01T00:00:00Z', 3600, 'CET'],
    // Before the first transition (1893): local mean time.
    ['1880-01-01T00:00:00Z', 3208, 'LMT'],
  ];
  for (const [when, offset, want] of cases) assert.equal(zoneAbbreviation(tz, Date.parse(when), offset), want, when);
  assert.equal(zoneAbbreviation(undefined, 0, 0), 'UTC');
  assert.equal(zoneAbbreviation(undefined, 0, 19800), '+0530');
});
