// Decoding a log with the event signatures the dashboard serves (/dashboard/api/events, from
// contracts/build/): topic 0 picks the event, indexed values come from the topics, the rest
// from the ABI-encoded data.

const WORD = 64; // hex digits in 32 bytes

function word(hex, index) {
  const start = index * WORD;
  if (start + WORD > hex.length) throw new Error("the log data is shorter than its event says");
  return hex.slice(start, start + WORD);
}

function staticValue(type, hexWord) {
  const unsigned = BigInt("0x" + hexWord);
  if (type === "address") return "0x" + hexWord.slice(24);
  if (type === "bool") return unsigned !== 0n;
  if (type.startsWith("uint")) return unsigned;
  if (type.startsWith("int")) return unsigned >= 1n << 255n ? unsigned - (1n << 256n) : unsigned;
  if (type.startsWith("bytes")) return "0x" + hexWord.slice(0, 2 * Number(type.slice(5)));
  throw new Error(`cannot decode a ${type}`);
}

function isDynamic(type) {
  return type === "string" || type === "bytes" || type.endsWith("[]");
}

function dynamicValue(type, hex, offsetWords) {
  const length = Number(BigInt("0x" + word(hex, offsetWords)));
  if (type.endsWith("[]")) {
    const inner = type.slice(0, -2);
    if (isDynamic(inner)) throw new Error(`cannot decode a ${type}`);
    return Array.from({ length }, (_, i) => staticValue(inner, word(hex, offsetWords + 1 + i)));
  }
  const bytes = hex.slice((offsetWords + 1) * WORD, (offsetWords + 1) * WORD + 2 * length);
  if (type === "bytes") return "0x" + bytes;
  const raw = new Uint8Array(bytes.match(/../g)?.map((pair) => parseInt(pair, 16)) ?? []);
  return new TextDecoder().decode(raw);
}

// {name, signature, args: [{name, type, indexed, value}]}, or null for an unknown event.
export function decodeLog(log, events) {
  const event = events[log.topics[0]];
  if (!event) return null;
  const data = log.data.slice(2);
  let topic = 1;
  let head = 0;
  const args = event.inputs.map((input) => {
    let value;
    if (input.indexed) {
      const hexWord = log.topics[topic++].slice(2);
      value = isDynamic(input.type) ? "0x" + hexWord : staticValue(input.type, hexWord); // dynamic: its hash
    } else if (isDynamic(input.type)) {
      value = dynamicValue(input.type, data, Number(BigInt("0x" + word(data, head++))) / 32);
    } else {
      value = staticValue(input.type, word(data, head++));
    }
    return { ...input, value };
  });
  return { name: event.name, signature: event.signature, contracts: event.contracts, args };
}

export function show(value) {
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return String(value);
}
