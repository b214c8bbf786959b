#!/usr/bin/env node
// Reference ids from Hugging Face `tokenizers` itself (its official Node binding, the Rust core)
// for the tokenizer.json recipes of tests/core/tst_tokenizer_support.h (recipeTokenizerJson).
//
//   npm install tokenizers@0.23.2          (anywhere; prebuilt binaries ship in the npm package)
//   <dump each recipe's tokenizer.json to RECIPES/<recipe>.json>   (see README.md here)
//   NODE_PATH=<dir>/node_modules node make_hf_reference.js RECIPES WIKI_TEST_RAW OUT
//
// writes OUT/<recipe>.json: {recipe, generator, texts, ids_with_special, ids_no_special, decoded,
// decoded_skip_special, wikitext: {bytes, tokens, fnv1a64}} where wikitext describes
// encode(whole wiki.test.raw, add_special_tokens=false) by its length and FNV-1a-64 hash (each id
// hashed as 4 little-endian bytes).
'use strict';
const fs = require('fs');
const path = require('path');
const { Tokenizer } = require('tokenizers');

const [recipesDir, wikiPath, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: make_hf_reference.js RECIPES WIKI_TEST_RAW OUT');
  process.exit(2);
}

const BASE_TEXTS = [
  '', ' ', '  ', '   ', '\t', '\n', '\n\n', '\r\n', ' \n ', '\t\n',
  'Hello world', ' Hello world', '  two leading spaces', 'multiple   spaces   inside  ',
  'tabs\tand\t\ttabs', 'line one\r\nline two\r\n', 'new\nlines\n\n\nhere', 'trailing space ',
  '\u00c4pfel, \u00d6l und \u00dcberma\u00df \u2014 sch\u00f6n!', 'Gr\u00fc\u00dfe aus M\u00fcnchen',
  '\u4e2d\u6587\u6587\u672c\u6d4b\u8bd5', '\u65e5\u672c\u8a9e\u306e\u30c6\u30ad\u30b9\u30c8',
  '\ud55c\uad6d\uc5b4 \ud14d\uc2a4\ud2b8', 'emoji \u{1F600}\u{1F999}\u{1F680} and \u{1F468}\u200d\u{1F469}\u200d\u{1F467}',
  'digits 0 12 345 6789 1234567890 3.14159 1,000,000', "I'm sure he's there, we'll see; they'd've",
  "WE'RE SHOUTING, AREN'T WE", 'it\u017f long s', 'literal <s> and </s> and <unk>', '<s>starts with bos',
  'ends with eos</s>', 'caf\u00e9 vs cafe\u0301', 'x\u00a0y\u2003z\u3000w', '\u03a9 \u2248 \u00e7 \u221a \u222b',
  'code: def f(x):\n    return x**2  # comment', '<|endoftext|> literal', '<|im_start|>user\nhi<|im_end|>',
  'a <tool>  b', 'Robert Roberts Robert_', '='.repeat(20), '...!!!???', '\u0930\u093e\u092e \u0915\u094d\u0937',
  ' wiki wikis the wiki', "Robert's <tool>x<|im_end|>\n\nnext", '\u1100\u1161\u11a8 \u212b \u0958',
];

// Deterministic fuzz strings (xorshift32) over characters that stress the split patterns.
function fuzzTexts(count) {
  const alphabet = [...'aAbZ sS\'tTrReEvVmMlLdD\r\n\t 0123456789.,!?-_()"<>/|'].concat([
    '\u00a0', '\u3000', '\u2028', '\u00e9', '\u00df', '\u017f', '\u212a', '\u4e2d', '\u6587', '\u{1F600}',
    '\u0301', '\u0663', '\u2167', '\u00bd', '\u200b', '\u000b', '\u0085', '\u1680', '<s>', '</s>', '<tool>',
    '<|endoftext|>', '<|im_end|>', 'Robert', ' wiki', '\u0915\u093c', 'e\u0301']);
  let s = 2463534242;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  const out = [];
  for (let i = 0; i < count; ++i) {
    const n = next() % 24;
    let t = '';
    for (let k = 0; k < n; ++k) t += alphabet[next() % alphabet.length];
    out.push(t);
  }
  return out;
}

function wikiChunks(wiki) {
  const lines = wiki.split('\n');
  const out = [];
  for (const start of [40, 3000, 9000]) out.push(lines.slice(start, start + 6).join('\n'));
  return out;
}

function fnv1a64(ids) {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  for (const id of ids) {
    for (let k = 0; k < 4; ++k) {
      h ^= BigInt((id >>> (8 * k)) & 0xff);
      h = (h * prime) & 0xffffffffffffffffn;
    }
  }
  return h.toString(16).padStart(16, '0');
}

async function main() {
  const wiki = fs.readFileSync(wikiPath, 'utf8');
  const texts = BASE_TEXTS.concat(wikiChunks(wiki), fuzzTexts(80));
  fs.mkdirSync(outDir, { recursive: true });
  const version = require('tokenizers/package.json').version;
  for (const file of fs.readdirSync(recipesDir).filter((f) => f.endsWith('.json')).sort()) {
    const recipe = file.replace(/\.json$/, '');
    const tok = Tokenizer.fromFile(path.join(recipesDir, file));
    const ref = { recipe, generator: `tokenizers (Node binding) ${version}`, texts,
                  ids_with_special: [], ids_no_special: [], decoded: [], decoded_skip_special: [] };
    for (const t of texts) {
      const withSpecial = (await tok.encode(t, null, { addSpecialTokens: true })).getIds();
      ref.ids_with_special.push(withSpecial);
      ref.ids_no_special.push((await tok.encode(t, null, { addSpecialTokens: false })).getIds());
      ref.decoded.push(await tok.decode(withSpecial, false));
      ref.decoded_skip_special.push(await tok.decode(withSpecial, true));
    }
    const all = (await tok.encode(wiki, null, { addSpecialTokens: false })).getIds();
    ref.wikitext = { bytes: Buffer.byteLength(wiki, 'utf8'), tokens: all.length, fnv1a64: fnv1a64(all) };
    fs.writeFileSync(path.join(outDir, `${recipe}.json`), JSON.stringify(ref));
    console.log(`${recipe}: ${texts.length} texts, WikiText-2 ${all.length} tokens ${ref.wikitext.fnv1a64}`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
