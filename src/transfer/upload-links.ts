// Which of end.pl's links (spec §7.4) is which file of an upload request: the links of a request of many files
// come in no promised order, and 1fichier may rename a file it stores. Pure.
import type { UploadLink } from "../api/types.js";

/** A file of the request, as matched: its name and size, and its Whirlpool once it was sent. */
export interface WantedLink {
  name: string;
  size: number;
  whirlpool?: string;
}

/**
 * Pairs each file with its link, each link used once, in three passes:
 * 1. same name and same size (a request never carries two files of one name: upload-pack.ts);
 * 2. for a file still unpaired, a link of the same size and the same Whirlpool (a file 1fichier renamed);
 * 3. one file and one link left over: each other's (as rclone takes the only link of a one-file upload, spec
 *    §7.4, #5152); the Whirlpool check that follows tells whether the bytes are ours.
 * A file without a link gets `undefined`.
 *
 * @example
 * matchLinks(links, [{ name: "a.txt", size: 3 }, { name: "b.txt", size: 5 }]); // [linkOfA, linkOfB]
 */
export function matchLinks(
  links: readonly UploadLink[],
  files: readonly WantedLink[],
): (UploadLink | undefined)[] {
  const free = new Set(links);
  const found: (UploadLink | undefined)[] = files.map(() => undefined);
  const pass = (accepts: (l: UploadLink, f: WantedLink) => boolean) => {
    files.forEach((f, i) => {
      if (found[i]) return;
      const link = [...free].find((l) => accepts(l, f));
      if (link) {
        found[i] = link;
        free.delete(link);
      }
    });
  };
  pass((l, f) => l.filename === f.name && l.size === f.size);
  pass(
    (l, f) => l.size === f.size && !!f.whirlpool && l.whirlpool.toLowerCase() === f.whirlpool.toLowerCase(),
  );
  const unpaired = found.flatMap((l, i) => (l ? [] : [i]));
  if (unpaired.length === 1 && free.size === 1) found[unpaired[0]!] = [...free][0];
  return found;
}
