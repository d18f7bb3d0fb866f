import { execFile } from 'node:child_process';

/** One sample as the Prometheus client's parser read it. */
export interface ParsedSample {
  /** The sample's name (`x_total`, `x_bucket`, `x_sum`, ...). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** One metric family as the Prometheus client's parser read it. */
export interface ParsedFamily {
  /** The family name (the Python parser drops a counter's `_total`). */
  name: string;
  type: string;
  help: string;
  samples: ParsedSample[];
}

/** Debian's interpreter, which has python3-prometheus-client (a pyenv `python3` on PATH may not). */
const python = '/usr/bin/python3';

const script = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    samples = [{"name": s.name, "labels": s.labels, "value": s.value if math.isfinite(s.value) else repr(s.value)} for s in f.samples]
    out.append({"name": f.name, "type": f.type, "help": f.documentation, "samples": samples})
print(json.dumps(out))
`;

/**
 * Parses Prometheus text exposition format with the reference Python client's parser
 * (prometheus_client.parser), so that tests check what real scrapers accept. Rejects when the
 * parser does.
 */
export function parsePrometheusText(text: string): Promise<ParsedFamily[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(python, ['-c', script], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`prometheus_client could not parse the text: ${stderr || err.message}`));
        return;
      }
      const raw = JSON.parse(stdout) as (Omit<ParsedFamily, 'samples'> & { samples: (Omit<ParsedSample, 'value'> & { value: number | string })[] })[];
      resolve(
        raw.map((f) => ({
          ...f,
          samples: f.samples.map((s) => ({ ...s, value: typeof s.value === 'number' ? s.value : s.value === 'nan' ? NaN : s.value.startsWith('-') ? -Infinity : Infinity })),
        })),
      );
    });
    child.stdin?.end(text);
  });
}

/** The family named `name` (for counters, the name without `_total`); throws when absent. */
export function familyOf(families: ParsedFamily[], name: string): ParsedFamily {
  const found = families.find((f) => f.name === name);
  if (!found) throw new Error(`no metric family ${name} among ${families.map((f) => f.name).join(', ')}`);
  return found;
}

/** The samples of `family` named `sampleName` whose labels include every pair of `labels`. */
export function samplesOf(family: ParsedFamily, sampleName: string, labels: Record<string, string> = {}): ParsedSample[] {
  return family.samples.filter((s) => s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
