// The ABI encoding the page needs: decoding a log with the event signatures the dashboard serves
// (/dashboard/api/events, from contracts/build/: topic 0 picks the event, indexed values come from
// the topics, the rest from the data), and encoding a view's call and decoding its answer.

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

// The values of ABI-encoded `hex` (no 0x) laid out as `types`, heads then tails.
export function decodeValues(types, hex) {
  return types.map((type, index) => (isDynamic(type)
    ? dynamicValue(type, hex, Number(BigInt("0x" + word(hex, index))) / 32)
    : staticValue(type, word(hex, index))));
}

function encodeWord(type, value) {
  if (type === "address") return String(value).slice(2).toLowerCase().padStart(WORD, "0");
  let number = BigInt(value);
  if (number < 0n) number += 1n << 256n;
  return number.toString(16).padStart(WORD, "0");
}

// Calldata of a call to `selector` with `values` of `types` (static integers and addresses, and
// arrays of them).
export function encodeCall(selector, types, values) {
  const heads = [];
  const tails = [];
  let tailWords = types.length;
  types.forEach((type, index) => {
    if (type.endsWith("[]")) {
      const items = values[index];
      heads.push(encodeWord("uint256", tailWords * 32));
      tails.push(encodeWord("uint256", items.length), ...items.map((item) => encodeWord(type.slice(0, -2), item)));
      tailWords += 1 + items.length;
    } else {
      heads.push(encodeWord(type, values[index]));
    }
  });
  return selector + heads.join("") + tails.join("");
}

// {name, signature, args: [{name, type, indexed, value}]}, or null for an unknown event.
export function decodeLog(log, events) {
  const event = events[log.topics[0]];
  if (!event) return null;
  const plain = decodeValues(event.inputs.filter((input) => !input.indexed).map((input) => input.type), log.data.slice(2));
  let topic = 1;
  let next = 0;
  const args = event.inputs.map((input) => {
    if (!input.indexed) return { ...input, value: plain[next++] };
    const hexWord = log.topics[topic++].slice(2);
    return { ...input, value: isDynamic(input.type) ? "0x" + hexWord : staticValue(input.type, hexWord) }; // dynamic: its hash
  });
  return { name: event.name, signature: event.signature, contracts: event.contracts, args };
}

export function show(value) {
  if (Array.isArray(value)) return `[${value.map(show).join(", ")}]`;
  return String(value);
}
