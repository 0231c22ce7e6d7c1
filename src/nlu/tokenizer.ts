/**
 * kuromoji, loaded once per process and shared by every request (a module-level promise).
 *
 * Why not `kuromoji.builder().build()`: its loader decodes the surface-form → token map one byte at a time into
 * an object that grows by re-assignment, which alone costs ~0.5 s of the 1.0 s cold-start budget. We read the
 * same files from the same package (path resolved from kuromoji/package.json, not guessed) — decompressed once by
 * `npm run build` into dist/nlu/dict, or gunzipped on the libuv pool when that cache is absent — decode the maps
 * straight from Int32Array views, then hand kuromoji's own DynamicDictionaries to kuromoji's own Tokenizer: the
 * tokenisation itself is untouched (checked token for token on every held-out text, cache vs gz).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip as gunzipCb, gunzipSync } from 'node:zlib';
import type { IpadicFeatures, Tokenizer } from 'kuromoji';
import { CodedError, ErrorCode } from '../core/index.js';
import { MAX_NLU_CHARS, clip } from './normalize.js';
import { packageRoot } from '../data/root.js';

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

/** 4-byte-aligned view (typed-array views need the alignment). */
function aligned(out: Buffer): Uint8Array {
  if (out.byteOffset % 4 === 0) return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  return new Uint8Array(out);
}

// zlib's default 16 KiB output chunks mean ~5 000 round trips and a 40 MB concat for tid_pos alone (measured:
// ~0.45 s of main-thread copying and GC at start-up); 1 MiB chunks cut that to a few dozen.
const GUNZIP_CHUNK = 1 << 20;

/** gunzipped dictionary file. */
async function loadGz(dir: string, name: string): Promise<Uint8Array> {
  return aligned(await gunzip(await readFile(join(dir, `${name}.gz`)), { chunkSize: GUNZIP_CHUNK }));
}

const DICT_FILES = [
  'base.dat', 'check.dat', 'tid.dat', 'tid_pos.dat', 'tid_map.dat', 'cc.dat',
  'unk.dat', 'unk_pos.dat', 'unk_map.dat', 'unk_char.dat', 'unk_compat.dat', 'unk_invoke.dat',
] as const;
/**
 * Files kuromoji reads through its ByteBuffer, which answers 0 past the end: their zero padding (up to 10 MB each)
 * is dropped from the cache without changing a single read.
 */
const TRIMMABLE = new Set<string>(['tid.dat', 'tid_pos.dat', 'unk.dat', 'unk_pos.dat']);

/** Where `npm run build` leaves the decompressed dictionary (dist/nlu/dict). */
export function dictionaryCachePath(root = packageRoot()): string {
  return join(root, 'dist', 'nlu', 'dict');
}

function kuromojiVersion(): string {
  return (require('kuromoji/package.json') as { version: string }).version;
}

interface CacheManifest {
  kuromoji: string;
  files: Record<string, number>;
}

/**
 * Build step: writes the kuromoji dictionary decompressed to `dir` (≈ 67 MB), so start-up reads it instead of
 * gunzipping 17 MB (measured: reading ≈ 0.07 s vs gunzip ≈ 0.25–0.5 s on a loaded 2-core machine). A manifest
 * names the kuromoji version; a cache from another version is ignored.
 */
export function writeDictionaryCache(dir = dictionaryCachePath()): { bytes: number } {
  mkdirSync(dir, { recursive: true });
  const src = kuromojiDictPath();
  const manifest: CacheManifest = { kuromoji: kuromojiVersion(), files: {} };
  let bytes = 0;
  for (const name of DICT_FILES) {
    const raw = gunzipSync(readFileSync(join(src, `${name}.gz`)));
    let end = raw.length;
    if (TRIMMABLE.has(name)) while (end > 0 && raw[end - 1] === 0) end--;
    writeFileSync(join(dir, name), raw.subarray(0, end));
    manifest.files[name] = end;
    bytes += end;
  }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return { bytes };
}

/** The cache folder when it is complete and matches the installed kuromoji, else undefined. */
function usableCache(dir: string): string | undefined {
  try {
    const path = join(dir, 'manifest.json');
    if (!existsSync(path)) return undefined;
    const m = JSON.parse(readFileSync(path, 'utf8')) as CacheManifest;
    if (m.kuromoji !== kuromojiVersion() || DICT_FILES.some((f) => m.files[f] === undefined)) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

async function loadDictionaryFiles(gzDir: string, cacheDir: string | undefined): Promise<Uint8Array[]> {
  const cache = cacheDir && usableCache(cacheDir);
  if (cache) {
    try {
      return await Promise.all(DICT_FILES.map(async (n) => aligned(await readFile(join(cache, n)))));
    } catch {
      // A half-deleted cache: fall back to the package's own files.
    }
  }
  return Promise.all(DICT_FILES.map((n) => loadGz(gzDir, n)));
}

async function build(dir: string, cacheDir: string | undefined): Promise<KuromojiTokenizer> {
  const DynamicDictionaries = require('kuromoji/src/dict/DynamicDictionaries.js');
  const CharacterDefinition = require('kuromoji/src/dict/CharacterDefinition.js');
  const KTokenizer = require('kuromoji/src/Tokenizer.js');
  const bufs = await loadDictionaryFiles(dir, cacheDir);
  const [base, check, tid, tidPos, tidMap, cc, unk, unkPos, unkMap, unkChar, unkCompat, unkInvoke] = bufs as [
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

function safeCachePath(): string | undefined {
  try {
    return dictionaryCachePath();
  } catch {
    return undefined; // no package root (bundled elsewhere): the gzipped files alone are enough
  }
}

/**
 * The process-wide tokenizer. The first call starts loading (≈ 0.2 s from the dist/nlu/dict cache, ≈ 0.4–0.8 s from
 * the gzipped files); later calls share the same promise.
 */
export function getTokenizer(): Promise<KuromojiTokenizer> {
  shared ??= build(kuromojiDictPath(), safeCachePath()).catch((e: unknown) => {
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
  for (const t of tokenizeSafe(tokenizer, text)) {
    const form = t.basic_form && t.basic_form !== '*' ? t.basic_form : t.surface_form;
    if (form.trim() !== '') out.push(form);
  }
  return out;
}

/** Characters kuromoji must not see: controls, U+FFFD and lone surrogates. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** Text without any of these has none of UNSAFE. */
const MAYBE_UNSAFE = /[\u0000-\u001f\u007f-\u009f\ufffd\ud800-\udfff]/;

/** kuromoji's tokens of the first MAX_NLU_CHARS characters; never throws (control characters and lone surrogates go). */
export function tokenizeSafe(tokenizer: KuromojiTokenizer, text: string): IpadicFeatures[] {
  // kuromoji throws on some control characters and lone surrogates; they carry no words anyway. Most text has neither
  // (nor any surrogate): one plain scan says so before the replace with its look-arounds.
  const clipped = clip(text, MAX_NLU_CHARS);
  const clean = MAYBE_UNSAFE.test(clipped) ? clipped.replace(UNSAFE, ' ') : clipped;
  try {
    return tokenizer.tokenize(clean);
  } catch {
    return [];
  }
}

/** Minimal view of kuromoji's dictionary trie (ViterbiBuilder.trie, a double array). */
interface Trie {
  commonPrefixSearch(key: string): Array<{ k: string; v: number }>;
}

const HIRA_RUN_WITH_BAR = /[\u3041-\u3096ー]*ー[\u3041-\u3096ー]*/g;
const PARTICLE = /[がをにでもはのとへや]/;
const toKatakana = (w: string) => w.replace(/[\u3041-\u3096]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x60));

/**
 * Katakana words typed in hiragana before conversion (めーる, えらー, さーばー): inside a hiragana run that holds a
 * long-vowel mark, the longest word of kuromoji's own dictionary that starts there (at the run's start or after a
 * particle), contains the ー and is at least
 * three characters long, written in katakana (めーるがこない → メールがこない). Stretched vowels (しまーす,
 * すごーい) have no such katakana word and stay hiragana for the folding in normalize(). No word list: the
 * dictionary is the list.
 */
export function kanaReader(tokenizer: KuromojiTokenizer): (light: string) => string {
  const trie = (tokenizer as unknown as { viterbi_builder: { trie: Trie } }).viterbi_builder.trie;
  return (light) => {
    if (!light.includes('ー')) return light;
    return light.replace(HIRA_RUN_WITH_BAR, (run) => {
      // A word found is a prefix of the run of at least three characters: a shorter run (the ー of メール) has none.
      if (run.length < 3) return run;
      const kata = toKatakana(run);
      let out = '';
      let i = 0;
      while (i < run.length) {
        let best = 0;
        // A word starts the run or follows a particle: お願いしまーす holds マース (Mars) but not as a word.
        if (i === 0 || PARTICLE.test(run[i - 1]!))
          for (const { k } of trie.commonPrefixSearch(kata.slice(i))) {
          if (k.length >= 3 && k.length > best && k.includes('ー') && !k.startsWith('ー')) best = k.length;
        }
        if (best) {
          out += kata.slice(i, i + best);
          i += best;
        } else out += run[i++];
      }
      return out;
    });
  };
}
