/** `hwmon`: temperatures, voltages, fans, power and other sensors under /sys/class/hwmon. */
import { existsSync, lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Labels } from '@vigil/model';
import { labels, type MetricsBuilder } from '../builder.js';
import { NoDataError, type Collector, type CollectorDefinition } from '../collector.js';
import type { NodeExporterConfig } from '../config.js';
import { isNotExist, readFileOnce, readFileText } from '../procfile.js';

const SENSOR_TYPES = new Set(['vrm', 'beep_enable', 'update_interval', 'in', 'cpu', 'fan', 'pwm', 'temp', 'curr', 'power', 'energy', 'humidity', 'intrusion']);

/** Lower case, anything but [a-z0-9:_] replaced by "_", surrounding "_" trimmed. */
export function cleanMetricName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9:_]/g, '_').replace(/^_+|_+$/g, '');
}

/** `temp1_input` → type "temp", number 1, property "input"; `beep_enable` → type "beep_enable". */
export function explodeSensorFilename(filename: string): { type: string; num: number; property: string } | undefined {
  const m = /^([^0-9]+)([0-9]*)?(_(.+))?$/.exec(filename);
  if (!m) return undefined;
  const num = m[2] ? Number(m[2]) : 0;
  if (!Number.isSafeInteger(num)) return undefined;
  return { type: m[1], num, property: m[4] ?? '' };
}

type SensorData = Map<string, Map<string, string>>;

function collectSensorData(dir: string, data: SensorData): void {
  for (const filename of readdirSync(dir)) {
    const parts = explodeSensorFilename(filename);
    if (!parts || !SENSOR_TYPES.has(parts.type)) continue;
    let raw: string;
    try {
      raw = readFileOnce(join(dir, filename));
    } catch {
      continue;
    }
    const sensor = parts.type + parts.num;
    let props = data.get(sensor);
    if (props === undefined) data.set(sensor, (props = new Map()));
    props.set(parts.property, raw.replace(/^\n+|\n+$/g, ''));
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** A stable name for a chip: its device's bus type and name, else its `name` file, else hwmonN. */
export function hwmonName(dir: string): string {
  try {
    const devicePath = realpathSync(join(dir, 'device'));
    const devName = cleanMetricName(basename(devicePath));
    const devType = cleanMetricName(basename(dirname(devicePath)));
    if (devType !== '' && devName !== '') return devType + '_' + devName;
    if (devName !== '') return devName;
  } catch {
    // No device link: fall through to the name file.
  }
  try {
    const name = cleanMetricName(readFileText(join(dir, 'name'), true));
    if (name !== '') return name;
  } catch {
    // No name file.
  }
  const name = cleanMetricName(basename(realpathSync(dir)));
  if (name !== '') return name;
  throw new Error(`Could not derive a monitoring name for ${dir}`);
}

class HwmonCollector implements Collector {
  readonly name = 'hwmon';
  constructor(private readonly config: NodeExporterConfig) {}

  update(out: MetricsBuilder): void {
    const base = join(this.config.sysfs, 'class/hwmon');
    // Most virtual machines have no hwmon at all: check without paying for an exception every scrape.
    if (!existsSync(base)) throw new NoDataError('hwmon collector metrics are not available for this system');
    let entries: string[];
    try {
      entries = readdirSync(base).sort();
    } catch (e) {
      if (isNotExist(e)) throw new NoDataError('hwmon collector metrics are not available for this system');
      throw e;
    }
    let lastErr: unknown;
    for (const entry of entries) {
      const path = join(base, entry);
      try {
        const l = lstatSync(path);
        if (!(l.isSymbolicLink() ? statSync(path) : l).isDirectory()) continue;
      } catch {
        continue;
      }
      try {
        this.updateChip(out, path);
      } catch (e) {
        lastErr = e;
      }
    }
    if (lastErr !== undefined) throw lastErr;
  }

  private updateChip(out: MetricsBuilder, dir: string): void {
    const chip = hwmonName(dir);
    const data: SensorData = new Map();
    collectSensorData(dir, data);
    if (exists(join(dir, 'device'))) collectSensorData(join(dir, 'device'), data);
    try {
      const chipName = cleanMetricName(readFileText(join(dir, 'name'), true));
      if (chipName !== '') {
        out.gauge('node_hwmon_chip_names', 'Annotation metric for human-readable chip names', 1, labels('chip', chip, 'chip_name', chipName));
      }
    } catch {
      // Chips without a name file get no annotation.
    }
    for (const [sensor, props] of data) {
      const sensorType = explodeSensorFilename(sensor)?.type ?? sensor;
      const l = labels('chip', chip, 'sensor', sensor);
      const label = props.get('label');
      if (label !== undefined) {
        out.gauge('node_hwmon_sensor_label', 'Label for given chip and sensor', 1, labels('chip', chip, 'sensor', sensor, 'label', label));
      }
      if (sensorType === 'beep_enable') {
        out.gauge('node_hwmon_beep_enabled', 'Hardware beep enabled', props.get('') === '1' ? 1 : 0, l);
        continue;
      }
      if (sensorType === 'vrm') {
        const v = parseValue(props.get(''));
        if (v !== undefined) out.gauge('node_hwmon_voltage_regulator_version', 'Hardware voltage regulator', v, l);
        continue;
      }
      if (sensorType === 'update_interval') {
        const v = parseValue(props.get(''));
        if (v !== undefined) out.gauge('node_hwmon_update_interval_seconds', 'Hardware monitor update interval', v * 0.001, l);
        continue;
      }
      for (const [element, raw] of props) {
        if (element === 'label') continue;
        this.element(out, l, sensorType, element, raw, props.has(''));
      }
    }
  }

  private element(out: MetricsBuilder, l: Labels, sensorType: string, element: string, raw: string, hasBare: boolean): void {
    let name = 'node_hwmon_' + sensorType;
    if (element === 'input') {
      // "input" is the value itself unless the sensor also has a bare file (e.g. `fan1` next to `fan1_input`).
      if (hasBare) name += '_input';
    } else if (element !== '') {
      name += '_' + cleanMetricName(element);
    }
    const v = parseValue(raw);
    if (v === undefined) return;
    if (element === 'fault' || element === 'alarm') {
      out.gauge(name, `Hardware sensor ${element} status (${sensorType})`, v, l);
    } else if (element === 'beep') {
      out.gauge(name + '_enabled', 'Hardware monitor sensor has beeping enabled', v, l);
    } else if (sensorType === 'in' || sensorType === 'cpu') {
      out.gauge(name + '_volts', `Hardware monitor for voltage (${element})`, v * 0.001, l);
    } else if (sensorType === 'temp' && element !== 'type') {
      out.gauge(name + '_celsius', `Hardware monitor for temperature (${element === '' ? 'input' : element})`, v * 0.001, l);
    } else if (sensorType === 'curr') {
      out.gauge(name + '_amps', `Hardware monitor for current (${element})`, v * 0.001, l);
    } else if (sensorType === 'energy') {
      out.counter(name + '_joule_total', `Hardware monitor for joules used so far (${element})`, v / 1000000.0, l);
    } else if (sensorType === 'power' && element === 'accuracy') {
      out.gauge(name, 'Hardware monitor power meter accuracy, as a ratio', v / 1000000.0, l);
    } else if (sensorType === 'power' && (element === 'average_interval' || element === 'average_interval_min' || element === 'average_interval_max')) {
      out.gauge(name + '_seconds', `Hardware monitor power usage update interval (${element})`, v * 0.001, l);
    } else if (sensorType === 'power') {
      out.gauge(name + '_watt', `Hardware monitor for power usage in watts (${element})`, v / 1000000.0, l);
    } else if (sensorType === 'humidity') {
      out.gauge(name, `Hardware monitor for humidity, as a ratio (multiply with 100.0 to get the humidity as a percentage) (${element})`, v / 1000000.0, l);
    } else if (sensorType === 'fan' && (element === 'input' || element === 'min' || element === 'max' || element === 'target')) {
      out.gauge(name + '_rpm', `Hardware monitor for fan revolutions per minute (${element})`, v, l);
    } else {
      out.gauge(name, `Hardware monitor ${sensorType} element ${element}`, v, l);
    }
  }
}

function parseValue(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === '' || raw !== raw.trim()) return undefined;
  const v = Number(raw);
  return v === v ? v : undefined;
}

export const hwmonCollector: CollectorDefinition = {
  name: 'hwmon',
  defaultEnabled: true,
  create: (config) => new HwmonCollector(config),
};
