/**
 * The words a node is named by when it has no `title:` (the review page's node names, src/admin/nodes.ts; lint
 * checkNodeTitles reads the same words to find questions that would read alike).
 */

/** Longest name taken from a node's say text, in characters (cut at the first sentence end before that). */
export const NODE_NAME_MAX = 40;

/** The first sentence (or the first NODE_NAME_MAX characters) of a text, placeholders and markup removed. */
export function firstWords(text: string, max = NODE_NAME_MAX): string {
  const flat = text
    .replace(/\{[^}]*\}/g, '…')
    .replace(/[*_`#>]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  const end = flat.search(/[。？！?!]|\. /);
  const sentence = end >= 0 ? flat.slice(0, end + 1) : flat;
  const chars = Array.from(sentence);
  return chars.length <= max ? sentence : `${chars.slice(0, max - 1).join('')}…`;
}
