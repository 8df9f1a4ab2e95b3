// The encoders the original SUM demo applied to a sample before predict and addData, under the
// names a trainer keeps in its encoder() (the demo's Encoder enum, compared lower-cased): "none"
// (integers as given), "Multiply by 1E9, then round" (decimals to the contracts' fixed point, the
// classifier's toFloat) and "MurmurHash3" (text: lower-cased, split on white space, each word
// hashed to a 32-bit feature index, x86 MurmurHash3 of its UTF-8 bytes: "hey" -> 318325784).
import { murmurHash3 } from "./build/vendor.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// A sample the encoder cannot take; the message names the value at fault.
export class EncodingError extends Error {}

// The numbers of "[1, 2, 3]" or "1, 2, 3" (or separated by spaces), as their texts.
function numbers(text) {
  const items = text.trim().replace(/^\[|\]$/g, "").split(/[\s,]+/).filter(Boolean);
  if (!items.length) throw new EncodingError("enter the sample's numbers, e.g. [1, 0, 0]");
  return items;
}

function int64(value, position, text) {
  if (value < INT64_MIN || value > INT64_MAX) throw new EncodingError(`value ${position} (${text}) does not fit in int64`);
  return value;
}

export const ENCODERS = [
  {
    name: "none", label: "none: integers as given", placeholder: "[1000000000, 0, 0] (fixed point or feature indices)",
    encode: (text) => numbers(text).map((item, i) => {
      if (!/^[-+]?\d+$/.test(item)) throw new EncodingError(`value ${i + 1} (${item}) is not an integer: the encoder "none" sends integers as given (×1e9 scales decimals)`);
      return int64(BigInt(item), i + 1, item);
    }),
  },
  {
    name: "Multiply by 1E9, then round", label: "×1e9: decimals to fixed point", placeholder: "[1, 0, 0] or [0.6, 0.8]",
    encode: (text, toFloat) => numbers(text).map((item, i) => {
      const value = Number(item);
      if (!Number.isFinite(value)) throw new EncodingError(`value ${i + 1} (${item}) is not a number`);
      return int64(BigInt(Math.round(value * toFloat)), i + 1, item);
    }),
  },
  {
    name: "MurmurHash3", label: "MurmurHash3: words to feature indices", placeholder: "text, e.g. hey blockchain",
    encode: (text) => {
      const words = text.trim().toLocaleLowerCase("en").split(/\s+/).filter(Boolean);
      if (!words.length) throw new EncodingError("enter some text");
      return words.map((word) => BigInt(murmurHash3.x86.hash32(new TextEncoder().encode(word))));
    },
  },
];

// The encoder a trainer names (its encoder() string), or null when the page has none of that name.
export const encoderNamed = (name) => ENCODERS.find((encoder) => encoder.name.toLocaleLowerCase("en") === String(name).toLocaleLowerCase("en")) ?? null;
