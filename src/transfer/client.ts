// The part of the client (src/api/client.ts) the transfer layer uses, as a structural type: transfers only
// need these calls, and tests or other callers may pass anything with this shape.
import type {
  FileInfo,
  FileItem,
  FolderListing,
  SharedFile,
  UploadFile,
  UploadLink,
  UploadServer,
} from "../api/types.js";

/** What `uploadFile`, `downloadFile` and friends need from a `FichierClient`. */
export interface TransferClient {
  files: {
    info(options: { url: string; password?: string }): Promise<FileInfo>;
    list(options: { folderId?: number }): Promise<FileItem[]>;
    /** Used to put a requested password on a file a rerun skipped (it was uploaded without it). */
    setAttributes(options: { urls: string[]; password?: string | null }): Promise<unknown>;
  };
  folders: {
    list(options: { folderId?: number; files?: boolean }): Promise<FolderListing>;
    create(options: { name: string; parentId?: number }): Promise<{ folderId: number; name: string }>;
  };
  download: {
    getToken(options: {
      url: string;
      single?: boolean;
      password?: string;
    }): Promise<{ url: string; expiresAt: number }>;
  };
  upload: {
    getServer(): Promise<UploadServer>;
    send(options: {
      server: UploadServer;
      files: UploadFile[];
      folderId?: number;
      domain?: number;
      password?: string;
      signal?: AbortSignal;
    }): Promise<{ location: string }>;
    finish(options: { server: UploadServer }): Promise<{ incoming: boolean; links: UploadLink[] }>;
  };
  shares: {
    listPublic(hashOrUrl: string, options?: { password?: string }): Promise<SharedFile[]>;
  };
  /**
   * Raw HTTP through the client's one HTTP exchange (proxy, TLS, user agent): token URLs, Range requests.
   * Required: transfers have no connection pool of their own.
   */
  http: {
    request(
      url: string,
      options: { method?: "GET"; headers?: Record<string, string>; signal?: AbortSignal },
    ): Promise<HttpAnswer>;
  };
}

/**
 * The part of an HTTP answer a transfer reads (undici's `Dispatcher.ResponseData` has this shape): the
 * transfer layer names no HTTP library, the client's one exchange (src/api) does.
 */
export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & {
    /** Reads and discards up to `limit` bytes, so the connection can be reused. */
    dump(options?: { limit?: number }): Promise<void>;
    destroy(): void;
    readonly destroyed: boolean;
  };
}
