// The folder view's questions to 1fichier, asked through the gateway's paced upstream: the same governor,
// cache and patience as the clients' own calls. Their answers feed the gateway's index like any listing.
import { parseWith } from "../api/context.js";
import { fileInfoSchema, folderListingSchema } from "../api/schemas.js";
import type { TreeSource } from "./folder-view.js";
import { parseJson, type Upstream } from "./upstream.js";

/**
 * Sub-folders from `folder/ls.cgi` (cached by the governor like any listing), a file's folder from
 * `file/info.cgi`. A KO answer reads as "nothing there": no sub-folders, no such file of the account's.
 * @example
 * const view = new IndexFolderView(index, treeSource(upstream), { now });
 */
export function treeSource(upstream: Upstream): TreeSource {
  return {
    async subFolders(folderId, signal) {
      const body = { folder_id: folderId };
      const a = await upstream.call("folder/ls.cgi", {
        method: "POST",
        body,
        cache: true,
        ...(signal ? { signal } : {}),
      });
      const json = parseJson(a);
      if (a.status >= 300 || !json || json.status === "KO") return [];
      return parseWith(folderListingSchema, json, "folder/ls.cgi").subFolders.map((f) => f.id);
    },
    async folderOfFile(url, signal) {
      const a = await upstream.call("file/info.cgi", {
        method: "POST",
        body: { url },
        ...(signal ? { signal } : {}),
      });
      const json = parseJson(a);
      if (a.status >= 300 || !json || json.status === "KO") return undefined;
      return parseWith(fileInfoSchema, json, "file/info.cgi").folderId;
    },
  };
}
