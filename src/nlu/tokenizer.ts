/**
 * kuromoji, loaded once per process and shared by every request (a module-level promise).
 *
 * Why not `kuromoji.builder().build()`: its loader decodes the surface-form → token map one byte at a time into
 * an object that grows by re-assignment, which alone costs ~0.5 s of the 1.0 s cold-start budget. We read the
 * same files from the same package (path resolved from kuromoji/package.json, not guessed), gunzip them on the
 * libuv pool in parallel and decode the maps straight from Int32Array views, then hand kuromoji's own
 * DynamicDictionaries to kuromoji's own Tokenizer — the tokenisation itself is untouched.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCb } from 'node:zlib';
import type { IpadicFeatures, Tokenizer } from 'kuromoji';
import { CodedError, ErrorCode } from '../core/index.js';
import { MAX_NLU_CHARS, clip } from './normalize.js';

const require = createRequire(import.meta.url);
const gunzip = promisify(gunzipCb);

export type KuromojiTokenizer = Tokenizer<IpadicFeatures>;

/** The dictionary folder shipped inside the kuromoji package. */
export function kuromojiDictPath(): string {
  return join(dirname(require.resolve('kuromoji/package.json')), 'dict');
}

interface TargetMapHolder {
  target_map: Record<number, number[]>;
  loadDictionary(buf: Uint8Array): unknown;
  loadPosVector(buf: Uint8Array): unknown;
}

/** Decodes kuromoji's target-map format (int32 LE: count, then key, n, n values …) without per-byte reads. */
function decodeTargetMap(bytes: Uint8Array): Record<number, number[]> {
  const ints = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
  const map: Record<number, number[]> = {};
  let p = 1; // ints[0] is the key count
  while (p + 1 < ints.length) {
    const key = ints[p++]!;
    const n = ints[p++]!;
    const values = new Array<number>(n);
    for (let i = 0; i < n; i++) values[i] = ints[p++]!;
    const prev = map[key];
    if (prev) prev.push(...values);
    else map[key] = values;
  }
  return map;
}

/** gunzipped bytes in their own, 4-byte-aligned ArrayBuffer (typed-array views need the alignment). */
async function loadGz(dir: string, name: string): Promise<Uint8Array> {
  const out = await gunzip(await readFile(join(dir, name)));
  if (out.byteOffset % 4 === 0) return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  return new Uint8Array(out);
}

async function build(dir: string): Promise<KuromojiTokenizer> {
  const DynamicDictionaries = require('kuromoji/src/dict/DynamicDictionaries.js');
  const CharacterDefinition = require('kuromoji/src/dict/CharacterDefinition.js');
  const KTokenizer = require('kuromoji/src/Tokenizer.js');
  const names = [
    'base.dat.gz', 'check.dat.gz', 'tid.dat.gz', 'tid_pos.dat.gz', 'tid_map.dat.gz', 'cc.dat.gz',
    'unk.dat.gz', 'unk_pos.dat.gz', 'unk_map.dat.gz', 'unk_char.dat.gz', 'unk_compat.dat.gz', 'unk_invoke.dat.gz',
  ] as const;
  const bufs = await Promise.all(names.map((n) => loadGz(dir, n)));
  const [base, check, tid, tidPos, tidMap, cc, unk, unkPos, unkMap, unkChar, unkCompat, unkInvoke] = bufs as Uint8Array[] as [
    Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array,
    Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array,
  ];
  const i32 = (b: Uint8Array) => new Int32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  const dic = new DynamicDictionaries();
  dic.loadTrie(i32(base), i32(check));
  const tokenInfo = dic.token_info_dictionary as TargetMapHolder;
  tokenInfo.loadDictionary(tid);
  tokenInfo.loadPosVector(tidPos);
  tokenInfo.target_map = decodeTargetMap(tidMap);
  dic.loadConnectionCosts(new Int16Array(cc.buffer, cc.byteOffset, cc.byteLength >> 1));
  const unknown = dic.unknown_dictionary as TargetMapHolder & { character_definition: unknown };
  unknown.loadDictionary(unk);
  unknown.loadPosVector(unkPos);
  unknown.target_map = decodeTargetMap(unkMap);
  unknown.character_definition = CharacterDefinition.load(
    unkChar,
    new Uint32Array(unkCompat.buffer, unkCompat.byteOffset, unkCompat.byteLength >> 2),
    unkInvoke,
  );
  return new KTokenizer(dic) as KuromojiTokenizer;
}

let shared: Promise<KuromojiTokenizer> | undefined;

/** The process-wide tokenizer. The first call starts loading (~0.4–0.8 s); later calls share the same promise. */
export function getTokenizer(): Promise<KuromojiTokenizer> {
  shared ??= build(kuromojiDictPath()).catch((e: unknown) => {
    shared = undefined;
    throw new CodedError(ErrorCode.Internal, `cannot load the kuromoji dictionary from ${kuromojiDictPath()}`, { cause: e });
  });
  return shared;
}

/**
 * Dictionary (base) forms of the tokens, so 「繋がりません」 and 「繋がらない」 both give 繋がる. Unknown words keep
 * their surface form. Input beyond MAX_NLU_CHARS is not tokenised (a 100 KB line answers as fast as a short one).
 */
export function baseForms(tokenizer: KuromojiTokenizer, text: string): string[] {
  const out: string[] = [];
  // kuromoji throws on some control characters and lone surrogates; they carry no words anyway.
  const clean = clip(text, MAX_NLU_CHARS).replace(/[\u0000-\u001f\u007f-\u009f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, ' ');
  let tokens: ReturnType<KuromojiTokenizer['tokenize']>;
  try {
    tokens = tokenizer.tokenize(clean);
  } catch {
    return out;
  }
  for (const t of tokens) {
    const form = t.basic_form && t.basic_form !== '*' ? t.basic_form : t.surface_form;
    if (form.trim() !== '') out.push(form);
  }
  return out;
}
