// Child process for the batch crash test: uploads a folder's files with the BUILT library (dist/), batched,
// journaled in a state folder, and stops forever at one moment of the request so the test can SIGKILL it
// there: `before` (files journaled, the POST not begun), `during` (the body half sent), `after` (the node
// answered, the journal not yet told), `confirm` (journaled as sent, end.pl not yet asked); `none` runs to the
// end and prints the result as JSON. It prints the moment's name when it gets there. Key from the env only.
import { createClient } from "../../../dist/api/client.js";
import { UploadJournal } from "../../../dist/transfer/upload-journal.js";
import { uploadTree } from "../../../dist/transfer/upload-tree.js";

const [apiUrl, dir, to, state, moment] = process.argv.slice(2);
const real = createClient({ apiKey: process.env.FICHIER_API_KEY, apiUrl, governor: false });
const forever = () => new Promise(() => setInterval(() => {}, 60_000));
const stopAt = async (name) => {
  if (moment !== name) return;
  process.stdout.write(`${name}\n`);
  await forever();
};

/** The first file's body: half of it goes out, then the request stalls there. */
async function* halfThenStall(body) {
  for await (const chunk of body) {
    const half = Math.ceil(chunk.length / 2);
    yield chunk.subarray(0, half);
    await stopAt("during");
    yield chunk.subarray(half);
  }
}

const client = {
  ...real,
  upload: {
    getServer: () => real.upload.getServer(),
    send: async (o) => {
      await stopAt("before");
      const files = o.files.map((f, i) => (i === 0 ? { ...f, body: halfThenStall(f.body) } : f));
      const answer = await real.upload.send({ ...o, files });
      await stopAt("after");
      return answer;
    },
    finish: async (o) => {
      await stopAt("confirm");
      return real.upload.finish(o);
    },
  },
};
const r = await uploadTree(client, { paths: [`${dir}/`], to, journal: new UploadJournal(state, "acc") });
process.stdout.write(
  `${JSON.stringify({
    uploaded: r.uploaded.map((u) => ({
      name: u.filename,
      skipped: u.skipped ?? null,
      whirlpool: u.whirlpool,
    })),
    failed: r.failed.map((f) => `${f.path}: ${f.error}`),
  })}\n`,
);
await real.close();
