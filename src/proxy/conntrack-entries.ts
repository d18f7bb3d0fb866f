/**
 * The kernel's connection tracking table as text, read without a process: the lines of
 * /proc/net/nf_conntrack (`ipv4 2 tcp 6 117 TIME_WAIT src=… dst=… sport=… dport=… src=… dst=…
 * sport=… dport=… [ASSURED] mark=0 zone=0 use=2`), which `conntrack -L -o extended` prints too
 * (plain `conntrack -L` drops the first two fields). The first src/dst/sport/dport are the
 * original direction (what the client sent to), the second the reply direction (who answers:
 * after a Service's DNAT, the endpoint). Pure: text in, entries out.
 */

/** One tracked connection, reduced to what tells a Service's endpoint from its frontend. */
export interface ConntrackEntry {
  /** The layer-4 protocol as the kernel names it: `tcp`, `udp`, `sctp`, `icmp`, … */
  protocol: string;
  /** The address the client connected to (a ClusterIP, a node address, …). */
  originalDestination: string;
  originalDestinationPort: number;
  /** The address the replies come from: the endpoint when the connection was DNATed. */
  replySource: string;
  replySourcePort: number;
}

/** The value of ` name=value` at or after `from`, and where it ends; undefined when absent. */
function field(line: string, name: string, from: number): { value: string; end: number } | undefined {
  const at = line.indexOf(name, from);
  if (at < 0) return undefined;
  const start = at + name.length;
  let end = line.indexOf(' ', start);
  if (end < 0) end = line.length;
  return { value: line.slice(start, end), end };
}

/** The `index`-th whitespace-separated word of `line` (0-based); '' past the end. */
function word(line: string, index: number): string {
  let i = 0;
  for (let n = 0; ; n++) {
    while (i < line.length && line.charCodeAt(i) <= 32) i++;
    const start = i;
    while (i < line.length && line.charCodeAt(i) > 32) i++;
    if (n === index || start === i) return line.slice(start, i);
  }
}

/**
 * Parses one line of the table; undefined for lines without ports (ICMP), IPv6 lines, and
 * anything else that does not have the shape above.
 */
export function parseConntrackLine(line: string): ConntrackEntry | undefined {
  const first = word(line, 0);
  if (first === 'ipv6') return undefined;
  const protocol = first === 'ipv4' ? word(line, 2) : first;
  const originalDestination = field(line, ' dst=', 0);
  if (!originalDestination) return undefined;
  const originalPort = field(line, ' dport=', originalDestination.end);
  if (!originalPort) return undefined;
  const replySource = field(line, ' src=', originalPort.end);
  if (!replySource) return undefined;
  const replyPort = field(line, ' sport=', replySource.end);
  if (!replyPort) return undefined;
  const originalDestinationPort = Number(originalPort.value);
  const replySourcePort = Number(replyPort.value);
  if (!Number.isInteger(originalDestinationPort) || !Number.isInteger(replySourcePort) || protocol === '') return undefined;
  return { protocol, originalDestination: originalDestination.value, originalDestinationPort, replySource: replySource.value, replySourcePort };
}

/**
 * The lines of a text arriving in chunks (a file read piece by piece), as they complete: a
 * caller that handles each chunk's lines before asking for more never holds the whole table.
 */
export async function* textLines(chunks: AsyncIterable<string>): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of chunks) {
    const text = rest + chunk;
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      rest = text;
      continue;
    }
    rest = text.slice(last + 1);
    yield text.slice(0, last).split('\n');
  }
  if (rest !== '') yield [rest];
}
